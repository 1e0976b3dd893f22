/**
 * Where a worker gets its workflow code. `npm run build` bundles the workflows once
 * into dist/ (WORKFLOW_BUNDLE, next to dist/worker/); a worker started from there loads
 * that file, so production never runs webpack. Started from the sources (npm start,
 * tests), there is no such file beside it and the worker bundles the sources at start.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { WorkerOptions } from '@temporalio/worker';

export const WORKFLOW_BUNDLE = 'workflow-bundle.js';

export function workflowSource(): Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'> {
  const bundle = path.join(__dirname, '..', WORKFLOW_BUNDLE);
  return existsSync(bundle) ? { workflowBundle: { codePath: bundle } } : { workflowsPath: require.resolve('../workflows') };
}
