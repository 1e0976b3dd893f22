/**
 * `npm run build`: the production build in dist/, run with `node dist/api/main.js`
 * and `node dist/worker/main.js` (no tsx, no webpack at run time):
 * - the code compiled by tsc (tsconfig.build.json: production folders only);
 * - the files the code reads by path at run time (`path.join(__dirname, …)`): the pages
 *   (api/routes/verification.ts → web/) and the PDF worker's scripts (documents/pdf.ts);
 * - the workflows bundled once (bundleWorkflowCode), which dist/worker/main.js loads
 *   instead of bundling at start (worker/workflowSource.ts).
 */
import { execFileSync } from 'node:child_process';
import { cpSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DefaultLogger, bundleWorkflowCode } from '@temporalio/worker';
import { WORKFLOW_BUNDLE } from '../worker/workflowSource';

const root = path.resolve(__dirname, '..');
const dist = path.join(root, 'dist');
const runtimeFiles = ['web', 'documents/pdf.worker.mjs', 'documents/pdfScan.mjs'];

async function main(): Promise<void> {
  rmSync(dist, { recursive: true, force: true });
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
  for (const file of runtimeFiles) cpSync(path.join(root, file), path.join(dist, file), { recursive: true });
  // The API reference's renderer (a devDependency): one file, served by /docs from the image (no CDN).
  cpSync(path.join(path.dirname(require.resolve('@scalar/api-reference')), 'browser', 'standalone.js'), path.join(dist, 'web', 'docs', 'scalar.js'));
  // From the compiled workflows, so the bundle holds exactly the JavaScript tsc emitted.
  const { code } = await bundleWorkflowCode({ workflowsPath: path.join(dist, 'workflows'), logger: new DefaultLogger('WARN') });
  writeFileSync(path.join(dist, WORKFLOW_BUNDLE), code);
  process.stdout.write(`built ${path.relative(root, dist)}/ (workflow bundle ${(code.length / 1024).toFixed(0)} kB)\n`);
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
