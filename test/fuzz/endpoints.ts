/**
 * Every endpoint of the API, for the fuzz suite: the operations of the OpenAPI
 * document the API serves, and every route the routers register (read from
 * their source, so a new route is fuzzed the day it is written, documented or not).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { openApiDocument } from '../../api/openapi';

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface Endpoint {
  method: Method;
  /** OpenAPI form: `/v1/checks/{orderId}`. */
  path: string;
  params: string[];
  /** Who may call it, as far as the document says: the service key, a reviewer token, or unknown. */
  security: 'serviceKey' | 'reviewerJwt' | 'any' | 'none';
  /** The JSON Schema of a JSON body, when the document gives one. */
  jsonBody?: JsonSchema;
  multipart: boolean;
  queryNames: string[];
  /** 503 reasons the document allows (none unless it lists 503). */
  documents503: boolean;
  /** Where it was found. */
  source: ('openapi' | 'routes')[];
}

export interface JsonSchema {
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  format?: string;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  $ref?: string;
  [key: string]: unknown;
}

const root = path.resolve(__dirname, '..', '..');
const routeFiles = () => [
  path.join(root, 'api', 'app.ts'),
  ...readdirSync(path.join(root, 'api', 'routes'))
    .filter((f) => f.endsWith('.ts'))
    .map((f) => path.join(root, 'api', 'routes', f)),
];

/** `router.get('/v1/x/:id', …)` in the routers' source → `GET /v1/x/{id}`. */
export function routesFromSource(): { method: Method; path: string }[] {
  const found: { method: Method; path: string }[] = [];
  const pattern = /\b(?:router|app)\.(get|post|put|patch|delete)\(\s*['"`]([^'"`]+)['"`]/g;
  for (const file of routeFiles()) {
    const source = readFileSync(file, 'utf8');
    for (const match of source.matchAll(pattern)) {
      found.push({ method: match[1].toUpperCase() as Method, path: match[2].replace(/:([A-Za-z0-9_]+)/g, '{$1}') });
    }
  }
  return found;
}

interface Operation {
  security?: Record<string, unknown>[];
  parameters?: { name: string; in: string }[];
  requestBody?: { content?: Record<string, { schema?: JsonSchema }> };
  responses?: Record<string, unknown>;
}

export function listEndpoints(): Endpoint[] {
  const document = openApiDocument() as unknown as { paths: Record<string, Record<string, Operation>> };
  const byKey = new Map<string, Endpoint>();
  const paramsOf = (p: string) => [...p.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
  for (const [p, operations] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(operations)) {
      const securityName = operation.security?.flatMap((s) => Object.keys(s))[0];
      const content = operation.requestBody?.content ?? {};
      byKey.set(`${method.toUpperCase()} ${p}`, {
        method: method.toUpperCase() as Method,
        path: p,
        params: paramsOf(p),
        security: securityName === 'serviceKey' ? 'serviceKey' : securityName === 'reviewerJwt' ? 'reviewerJwt' : operation.security ? 'any' : 'none',
        jsonBody: content['application/json']?.schema,
        multipart: 'multipart/form-data' in content,
        queryNames: (operation.parameters ?? []).filter((q) => q.in === 'query').map((q) => q.name),
        documents503: Object.keys(operation.responses ?? {}).includes('503'),
        source: ['openapi'],
      });
    }
  }
  for (const route of routesFromSource()) {
    const key = `${route.method} ${route.path}`;
    const known = byKey.get(key);
    if (known) {
      known.source.push('routes');
      continue;
    }
    byKey.set(key, {
      ...route,
      params: paramsOf(route.path),
      // Undocumented: try every credential.
      security: 'any',
      multipart: false,
      queryNames: [],
      documents503: false,
      source: ['routes'],
    });
  }
  return [...byKey.values()].sort((a, b) => (a.path === b.path ? a.method.localeCompare(b.method) : a.path.localeCompare(b.path)));
}
