#!/usr/bin/env node
/**
 * Run in the image's dependency stage, after `npm ci --omit=dev`: removes from
 * node_modules what only building needs, so the runtime image carries no bundler or
 * compiler.
 *
 * - webpack, swc (@swc/core with its native binary, swc-loader) and source-map-loader are
 *   dependencies of @temporalio/worker for bundling workflows. `npm run build` bundles
 *   them once (dist/workflow-bundle.js) and a production worker loads that bundle, so
 *   they never run. They go, with every package that only they needed (computed from
 *   package-lock.json). @temporalio/worker still `require`s webpack when it loads (its
 *   bundler module is imported at the top), so a stub takes webpack's place: a function
 *   that throws if anything ever tries to bundle at run time.
 * - @temporalio/core-bridge ships its native library for five platforms and its Rust
 *   sources; only this platform's library stays.
 *
 * Usage: node prune-runtime.cjs <app dir>   (the directory holding package-lock.json)
 */
'use strict';
/* eslint-disable @typescript-eslint/no-require-imports -- plain CommonJS, run by node in the image build */
const fs = require('node:fs');
const path = require('node:path');

const BUILD_ONLY = new Set(['webpack', '@swc/core', 'swc-loader', 'source-map-loader', 'tsx', 'esbuild', 'typescript']);

const app = path.resolve(process.argv[2] ?? '.');
const lock = JSON.parse(fs.readFileSync(path.join(app, 'package-lock.json'), 'utf8'));
const packages = lock.packages;
const installed = (key) => key.startsWith('node_modules/') && fs.existsSync(path.join(app, key));

/** Node's lookup: <from>/node_modules/<name>, then each enclosing node_modules up to the root. */
function resolve(from, name) {
  let dir = from;
  for (;;) {
    const key = `${dir ? `${dir}/` : ''}node_modules/${name}`;
    if (packages[key] && installed(key)) return key;
    if (!dir) return undefined;
    const cut = dir.lastIndexOf('/node_modules/');
    dir = cut === -1 ? '' : dir.slice(0, cut);
  }
}

const kept = new Set();
const pending = [''];
while (pending.length > 0) {
  const key = pending.pop();
  const pkg = packages[key];
  const names = { ...pkg.dependencies, ...pkg.optionalDependencies, ...pkg.peerDependencies };
  for (const name of Object.keys(names)) {
    if (BUILD_ONLY.has(name)) continue;
    const dep = resolve(key, name);
    if (dep && !kept.has(dep)) {
      kept.add(dep);
      pending.push(dep);
    }
  }
}

let removedBytes = 0;
const removed = [];
function size(dir) {
  let total = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) total += size(full);
    else if (entry.isFile()) total += fs.statSync(full).size;
  }
  return total;
}
function remove(rel) {
  const full = path.join(app, rel);
  if (!fs.existsSync(full)) return;
  removedBytes += fs.statSync(full).isDirectory() ? size(full) : fs.statSync(full).size;
  fs.rmSync(full, { recursive: true, force: true });
  removed.push(rel);
}

// Deepest first, so a kept package is never removed with an unkept parent (it cannot be:
// a nested package is only reachable through its parent).
for (const key of Object.keys(packages).sort((a, b) => b.length - a.length)) {
  if (installed(key) && !kept.has(key)) remove(key);
}

// The webpack stub: loaded by @temporalio/worker, never called in production.
const webpackDir = path.join(app, 'node_modules', 'webpack');
fs.cpSync(path.join(__dirname, 'webpack-stub'), webpackDir, { recursive: true });

// @temporalio/core-bridge: this platform's native library only, no Rust sources.
const bridge = path.join(app, 'node_modules', '@temporalio', 'core-bridge');
if (fs.existsSync(bridge)) {
  const target = require(path.join(bridge, 'common.js')).getPrebuiltTargetName();
  for (const release of fs.readdirSync(path.join(bridge, 'releases'))) {
    if (release !== target) remove(path.relative(app, path.join(bridge, 'releases', release)));
  }
  remove(path.relative(app, path.join(bridge, 'sdk-core')));
}

// Scope folders left empty (e.g. @swc/).
for (const entry of fs.readdirSync(path.join(app, 'node_modules'))) {
  const dir = path.join(app, 'node_modules', entry);
  if (entry.startsWith('@') && fs.readdirSync(dir).length === 0) fs.rmdirSync(dir);
}

// Command links left pointing at removed packages.
const binDir = path.join(app, 'node_modules', '.bin');
if (fs.existsSync(binDir)) {
  for (const name of fs.readdirSync(binDir)) {
    const link = path.join(binDir, name);
    if (!fs.existsSync(link)) fs.rmSync(link, { force: true });
  }
}

process.stdout.write(`prune-runtime: removed ${removed.length} paths, ${(removedBytes / 1e6).toFixed(1)} MB\n`);
for (const rel of removed) process.stdout.write(`  - ${rel}\n`);
