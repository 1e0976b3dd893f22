/** Operations endpoints: liveness, readiness, the OpenAPI document. (Metrics are on METRICS_PORT: api/metrics.ts.) */
import { Router } from 'express';
import type { Connection } from '@temporalio/client';
import { readiness } from '../../app/health';
import { defaultRetryAfterSeconds } from '../errors';
import { openApiDocument } from '../openapi';

export function opsRouter(temporal: Connection): Router {
  const router = Router();
  const document = openApiDocument();

  router.get('/healthz', (_req, res) => void res.json({ status: 'ok' }));

  router.get('/readyz', async (_req, res) => {
    const { temporal: temporalOk, database: databaseOk } = await readiness(temporal);
    const ready = temporalOk && databaseOk;
    if (!ready) res.setHeader('Retry-After', String(defaultRetryAfterSeconds[503]));
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not_ready', temporal: temporalOk, database: databaseOk });
  });

  router.get('/openapi.json', (_req, res) => void res.json(document));
  return router;
}
