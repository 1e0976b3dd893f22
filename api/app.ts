/** The HTTP application: routers for each kind of user, one error handler. */
import express from 'express';
import type { Client, Connection } from '@temporalio/client';
import type { Config } from '../config';
import { checksRouter } from './routes/checks';
import { opsRouter } from './routes/ops';
import { docsRouter } from './routes/docs';
import { webhookEventsRouter } from './routes/webhookEvents';
import { verificationRouter, webRoot } from './routes/verification';
import { reviewRouter } from './routes/review';
import { listsRouter } from './routes/lists';
import { outcomesRouter } from './routes/outcomes';
import { rulesetsRouter } from './routes/rulesets';
import { reportsRouter } from './routes/reports';
import { privacyRouter } from './routes/privacy';
import { caseToolsRouter } from './routes/caseTools';
import { documentDecisionsRouter } from './routes/documentDecisions';
import { codecRouter } from './routes/codec';
import { errorHandler, unknownRoute } from './errors';
import { measure } from './metrics';
import { requestId } from './requestId';

/** Same-origin scripts and styles only; no inline code, no framing. */
const pagePolicy =
  "default-src 'self'; img-src 'self' blob: data:; style-src 'self'; script-src 'self'; connect-src 'self'; " +
  "frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

export interface AppDeps {
  config: Config;
  temporal: Client;
  connection: Connection;
}

export function createApp({ config, temporal, connection }: AppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', config.trustProxy);
  app.use(requestId);
  app.use(measure);
  app.use((_req, res, next) => {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    // The pages carry tokens in their URLs: never leak them in a Referer.
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('Content-Security-Policy', pagePolicy);
    res.setHeader('X-Frame-Options', 'DENY');
    next();
  });
  // The pages' own files (the HTML itself is served by the /verify/:token and /review routes).
  app.use(
    express.static(webRoot, {
      index: false,
      redirect: false,
      fallthrough: true,
      maxAge: '5m',
      // Scripts are ES modules that import each other: revalidated on every load (ETag → 304),
      // so a browser never runs a mix of modules from before and after a deploy.
      setHeaders: (res, file) => {
        if (file.endsWith('.js')) res.setHeader('Cache-Control', 'no-cache');
      },
    }),
  );
  // Before the JSON parser: the codec parses its own (larger) bodies, after authentication.
  app.use(codecRouter(config));
  app.use(express.json({ limit: '256kb', strict: true }));
  app.use(opsRouter(connection));
  app.use(outcomesRouter(config, temporal)); // before checks: its guard also takes senior tokens
  app.use(docsRouter());
  app.use(checksRouter(config, temporal));
  app.use(webhookEventsRouter(config, temporal));
  app.use(verificationRouter(config, temporal));
  app.use(reviewRouter(config, temporal));
  app.use(listsRouter(config));
  app.use(rulesetsRouter(config));
  app.use(reportsRouter(config, temporal));
  app.use(caseToolsRouter(config));
  app.use(documentDecisionsRouter(config, temporal));
  app.use(privacyRouter(config));
  app.use(unknownRoute);
  app.use(errorHandler);
  return app;
}
