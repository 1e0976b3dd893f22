/** Operations endpoints: liveness, readiness, the OpenAPI document. (Metrics are on METRICS_PORT: api/metrics.ts.) */
import { Router } from 'express';
import mongoose from 'mongoose';
import type { Connection } from '@temporalio/client';
import { defaultRetryAfterSeconds } from '../errors';
import { openApiDocument } from '../openapi';

export function opsRouter(temporal: Connection): Router {
  const router = Router();
  const document = openApiDocument();

  router.get('/healthz', (_req, res) => void res.json({ status: 'ok' }));

  router.get('/readyz', async (_req, res) => {
    const [temporalOk, databaseOk] = await Promise.all([
      temporal.healthService
        .check({ service: 'temporal.api.workflowservice.v1.WorkflowService' })
        .then((r) => r.status === 1)
        .catch(() => false),
      (mongoose.connection.db?.admin().ping() ?? Promise.reject(new Error('not connected'))).then(() => true).catch(() => false),
    ]);
    const ready = temporalOk && databaseOk;
    if (!ready) res.setHeader('Retry-After', String(defaultRetryAfterSeconds[503]));
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not_ready', temporal: temporalOk, database: databaseOk });
  });

  router.get('/openapi.json', (_req, res) => void res.json(document));
  return router;
}
