/** The HTTP application: routers for each kind of user, one error handler. */
import express from 'express';
import type { Client, Connection } from '@temporalio/client';
import type { Config } from '../config';
import { checksRouter } from './routes/checks';
import { opsRouter } from './routes/ops';
import { errorHandler, unknownRoute } from './errors';
import { measure } from './metrics';

export interface AppDeps {
  config: Config;
  temporal: Client;
  connection: Connection;
}

export function createApp({ config, temporal, connection }: AppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  app.use(measure);
  app.use((_req, res, next) => {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    next();
  });
  app.use(express.json({ limit: '256kb', strict: true }));
  app.use(opsRouter(connection));
  app.use(checksRouter(config, temporal));
  app.use(unknownRoute);
  app.use(errorHandler);
  return app;
}
