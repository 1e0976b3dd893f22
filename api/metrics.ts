/**
 * Prometheus metrics of the API process, every name prefixed `fraud_`. Served
 * on METRICS_PORT by a server of their own (`startMetricsServer`), never on the
 * public PORT: the proxy forwards everything on PORT to the world, and metrics
 * are for the operators' Prometheus on the internal network. Without
 * METRICS_PORT the API serves no metrics.
 */
import http from 'node:http';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { RequestHandler } from 'express';
import { routeOf } from './requestId';

export const registry = new Registry();
collectDefaultMetrics({ register: registry, prefix: 'fraud_' });

export const httpDuration = new Histogram({
  name: 'fraud_http_request_duration_seconds',
  help: 'HTTP request duration by route and status',
  labelNames: ['method', 'route', 'status'],
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [registry],
});

export const checksDecided = new Counter({
  name: 'fraud_checks_created_total',
  help: 'Checks created, by first status',
  labelNames: ['status'],
  registers: [registry],
});

export const measure: RequestHandler = (req, res, next) => {
  const end = httpDuration.startTimer();
  // The route pattern, not the path: ids and tokens must not become labels.
  res.on('finish', () => end({ method: req.method, route: routeOf(req), status: String(res.statusCode) }));
  next();
};

/** GET /metrics on its own port (all interfaces: Prometheus scrapes from another container); anything else is 404. */
export function startMetricsServer(port: number): http.Server {
  return http
    .createServer((req, res) => {
      const url = (req.url ?? '/').split('?')[0];
      if (url !== '/metrics' || (req.method !== 'GET' && req.method !== 'HEAD')) {
        res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 'not_found', message: 'GET /metrics only' } }));
        return;
      }
      registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
        (error: Error) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics failed: ${error.message}\n`),
      );
    })
    .listen(port, '0.0.0.0');
}
