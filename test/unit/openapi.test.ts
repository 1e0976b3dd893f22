/**
 * /openapi.json is generated (api/openapi.ts, zod-openapi): it must be a valid OpenAPI 3.1
 * document, every operation with an operationId, its path parameters declared and a schema
 * for every response, and it must cover every route the API serves.
 */
import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { openApiDocument } from '../../api/openapi';

type Operation = {
  operationId?: string;
  parameters?: { name: string; in: string; required?: boolean }[];
  responses?: Record<string, { content?: Record<string, { schema?: unknown }> }>;
};
const methods = ['get', 'post', 'put', 'patch', 'delete'] as const;

function operations(): { method: string; path: string; op: Operation }[] {
  const document = openApiDocument() as unknown as { paths: Record<string, Record<string, Operation>> };
  return Object.entries(document.paths).flatMap(([p, item]) =>
    methods.filter((m) => item[m]).map((method) => ({ method, path: p, op: item[method] })),
  );
}

describe('OpenAPI document', () => {
  it('is valid OpenAPI 3.1 (JSON-schema validation of the whole document)', async () => {
    const { Validator } = await import('@seriousme/openapi-schema-validator');
    const validator = new Validator();
    const result = await validator.validate(JSON.parse(JSON.stringify(openApiDocument())));
    expect(result.errors ?? [], JSON.stringify(result.errors, null, 1)).to.deep.equal([]);
    expect(result.valid).to.equal(true);
    expect(validator.version).to.equal('3.1');
    // The validator does refuse a broken document (a parameter in no known place).
    const broken = JSON.parse(JSON.stringify(openApiDocument()));
    broken.paths['/v1/checks/{orderId}'].get.parameters[0].in = 'nowhere';
    expect((await new Validator().validate(broken)).valid).to.equal(false);
  });

  it('gives every operation a unique operationId', () => {
    const ids = operations().map(({ op, method, path: p }) => op.operationId ?? `${method} ${p} has none`);
    expect(ids.filter((id) => id.includes(' has none'))).to.deep.equal([]);
    expect(new Set(ids).size).to.equal(ids.length);
  });

  it('declares every path parameter, required, and no other', () => {
    for (const { op, method, path: p } of operations()) {
      const inPath = [...p.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]).sort();
      const declared = (op.parameters ?? []).filter((q) => q.in === 'path');
      expect(declared.map((q) => q.name).sort(), `${method} ${p}`).to.deep.equal(inPath);
      for (const q of declared) expect(q.required, `${method} ${p} ${q.name}`).to.equal(true);
    }
  });

  it('gives every response a schema (a 204, which has no body, none)', () => {
    for (const { op, method, path: p } of operations()) {
      const responses = Object.entries(op.responses ?? {});
      expect(responses.length, `${method} ${p}`).to.be.above(0);
      for (const [status, response] of responses) {
        const contents = Object.values(response.content ?? {});
        if (status === '204') {
          expect(contents, `${method} ${p} 204: a body`).to.deep.equal([]);
          continue;
        }
        expect(contents.length, `${method} ${p} ${status}: no content`).to.be.above(0);
        for (const c of contents) expect(c.schema, `${method} ${p} ${status}: no schema`).to.not.equal(undefined);
      }
    }
  });

  it('documents every /v1 route the API serves', () => {
    const documented = new Set(operations().map(({ method, path: p }) => `${method.toUpperCase()} ${p}`));
    const dir = path.join(__dirname, '..', '..', 'api', 'routes');
    const served: string[] = [];
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
      const source = readFileSync(path.join(dir, file), 'utf8');
      for (const m of source.matchAll(/\brouter\.(get|post|put|patch|delete)\(\s*['"`](\/v1\/[^'"`]+)['"`]/g)) {
        served.push(`${m[1].toUpperCase()} ${m[2].replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`);
      }
    }
    expect(served.length).to.be.above(5);
    expect(served.filter((route) => !documented.has(route))).to.deep.equal([]);
  });
});
