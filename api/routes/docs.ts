/**
 * `/docs`: a readable API reference over the generated `/openapi.json`, rendered in the
 * browser by Scalar's standalone bundle, served from this origin (production assumes no
 * internet: no CDN). `npm run build` copies the bundle to `dist/web/docs/scalar.js`, where
 * the static files are served from; from the sources it is read in node_modules.
 *
 * The page's CSP is the pages' policy with one relaxation: the renderer (Vue) sets styles at
 * run time, so `style-src` allows inline styles here, and only here. Scripts stay 'self'
 * only, connections stay 'self' (the reference can reach nothing else).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Router } from 'express';
import { webRoot } from './verification';

export const docsPolicy =
  "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; font-src 'self' data:; script-src 'self'; connect-src 'self'; " +
  "worker-src 'self' blob:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/** The built copy (dist/web/docs/scalar.js) or the package's own file (sources; devDependency). */
function scalarBundle(): string | undefined {
  const built = path.join(webRoot, 'docs', 'scalar.js');
  if (existsSync(built)) return built;
  try {
    return path.join(path.dirname(require.resolve('@scalar/api-reference')), 'browser', 'standalone.js');
  } catch {
    return undefined;
  }
}

export function docsRouter(): Router {
  const router = Router();
  const bundle = scalarBundle();
  router.get('/docs', (_req, res) => {
    res.setHeader('Content-Security-Policy', docsPolicy);
    res.sendFile(path.join(webRoot, 'docs', 'index.html'));
  });
  // A static asset (as web/'s own scripts are; in dist/ the app's static files serve it first).
  router.use('/docs/scalar.js', (req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    if (!bundle) {
      res.status(404).type('text/javascript').send('// the API reference bundle is not installed: /openapi.json has the document\n');
      return;
    }
    res.setHeader('Cache-Control', 'public, max-age=3600');
    res.sendFile(bundle);
  });
  return router;
}
