/**
 * The layers keep to their places (README "Architecture"): routes parse, call
 * the application layer (app/) and present; only app/ and below talk to the
 * database and the activities; only config/ reads the environment.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';

const root = path.resolve(__dirname, '..', '..');

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(path.join(root, dir), { withFileTypes: true })) {
    const rel = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sources(rel));
    else if (/\.(ts|js|mjs)$/.test(entry.name) && !entry.name.endsWith('.d.mts')) out.push(rel);
  }
  return out;
}

/** Every module specifier a file imports (static, dynamic, require). */
function imports(file: string): string[] {
  const text = readFileSync(path.join(root, file), 'utf8');
  const found: string[] = [];
  for (const match of text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)['"]([^'"]+)['"]/gm)) found.push(match[1]);
  return found;
}

/** Where a relative specifier of `file` lands, as a path from the repository root. */
const resolved = (file: string, specifier: string) => (specifier.startsWith('.') ? path.join(path.dirname(file), specifier) : specifier);

describe('layers', () => {
  it('no module of api/ imports models/, activities/ or mongoose (api/main.ts, the process, connects the database)', () => {
    const offenders = sources('api')
      .filter((file) => file !== path.join('api', 'main.ts'))
      .flatMap((file) =>
        imports(file)
          .map((specifier) => resolved(file, specifier))
          .filter((target) => target === 'mongoose' || /^(models|activities)(\/|$)/.test(target))
          .map((target) => `${file} → ${target}`),
      );
    expect(offenders).to.deep.equal([]);
  });

  it('app/ does not depend on the HTTP layer', () => {
    const offenders = sources('app').flatMap((file) =>
      imports(file)
        .map((specifier) => resolved(file, specifier))
        .filter((target) => /^api(\/|$)/.test(target) || target === 'express')
        .map((target) => `${file} → ${target}`),
    );
    expect(offenders).to.deep.equal([]);
  });

  it('domain/ is pure: no database, no Temporal client, no HTTP', () => {
    const offenders = sources('domain').flatMap((file) =>
      imports(file)
        .filter((specifier) => specifier === 'mongoose' || specifier === 'express' || specifier.startsWith('@temporalio/') || /(^|\/)(models|activities|api|app)(\/|$)/.test(resolved(file, specifier)))
        .map((specifier) => `${file} → ${specifier}`),
    );
    expect(offenders).to.deep.equal([]);
  });

  it('process.env is read only in config/ (besides the scripts, stack, benches and tests that start processes)', () => {
    const offenders = ['api', 'app', 'activities', 'documents', 'domain', 'lib', 'models', 'scoring', 'web', 'worker', 'workflows']
      .flatMap(sources)
      .filter((file) => /process\.env\b/.test(readFileSync(path.join(root, file), 'utf8')));
    expect(offenders).to.deep.equal([]);
  });
});
