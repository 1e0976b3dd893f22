/**
 * `npm run ops -- <command>` (production: `node dist/scripts/ops.js <command>`): the operator's
 * tool, run with the same environment as the API (without TEMPORAL_ADDRESS / MONGODB_URI it
 * talks to a running `npm start` on its default ports).
 *
 *   doctor                 configuration, Temporal, database, workers polling, key ring, indexes,
 *                          the API's /readyz: one line each, exit 1 when anything fails
 *   keys <args>            DOCUMENT_KEY rotation (`npm run keys`): status | rewrap | retire <id> | legacy-secrets
 *   rewrap                 the same as `keys rewrap`
 *   retention-sweep [--all] purge now the checks whose retention is due (the Schedule's sweep, run
 *                          at once); --all also scans every final check (the daily pass)
 *   pack-decisions         pack the decision records of every finished day now (the hourly
 *                          Schedule's pass, run at once): backtests read a few documents per day
 *   token <id> [role] [expiry]  a reviewer token (`npm run token`)
 *   lists import|export …  the block and allow lists as CSV (`npm run lists`)
 *   rulesets export [version]  a ruleset as JSON (the live one by default), in the form POST /v1/rulesets takes
 *   rulesets import <file.json> save a ruleset as a new draft version (validated; publish it from the console)
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import mongoose from 'mongoose';
import { Client, Connection } from '@temporalio/client';
import { temporal as proto } from '@temporalio/proto';
import { ConfigError, loadConfig, type Config } from '../config';
import { taskQueues } from '../workflows/names';
import { checkDocumentKeys } from '../lib/documentKeys';
import { dataConverter } from '../lib/payloadCodec';
import { models } from '../models';
import * as rulesets from '../app/rulesets';
import { defaultPorts } from '../stack/ports';

const out = (line = '') => process.stdout.write(`${line}\n`);
const usage = `usage: npm run ops -- doctor | keys <status|rewrap|retire <id>|legacy-secrets> | rewrap | retention-sweep [--all] | pack-decisions | token <id> [role] [expiry] | lists import <file.csv> | lists export [block|allow] | rulesets export [version] | rulesets import <file.json>`;

/** Runs another of these scripts with the same runtime (tsx from the sources, node from dist/). */
function runScript(name: 'keys' | 'token' | 'lists', args: string[]): Promise<number> {
  const file = path.join(__dirname, `${name}${path.extname(__filename)}`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, file, ...args], { stdio: 'inherit' });
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

interface Connected {
  config: Config;
  temporal: Client;
  connection: Connection;
  close(): Promise<void>;
}

async function connect(config: Config): Promise<Connected> {
  mongoose.set('autoCreate', false);
  mongoose.set('autoIndex', false);
  await mongoose.connect(config.mongodbUri ?? `mongodb://127.0.0.1:${defaultPorts.mongo}/fraud`, { serverSelectionTimeoutMS: 5_000 });
  const connection = await Connection.connect({ address: config.temporal.address ?? `127.0.0.1:${defaultPorts.temporal}`, connectTimeout: 5_000 });
  const temporal = new Client({ connection, namespace: config.temporal.namespace, dataConverter: dataConverter(config.payloadKeys.keys, config.payloadKeys.current) });
  return {
    config,
    temporal,
    connection,
    async close() {
      await mongoose.disconnect();
      await connection.close();
    },
  };
}

type Verdict = 'ok' | 'warn' | 'FAIL';
async function doctor(): Promise<number> {
  let failed = false;
  const report = (verdict: Verdict, what: string, detail = '') => {
    if (verdict === 'FAIL') failed = true;
    out(`${verdict.padEnd(4)}  ${what}${detail ? `: ${detail}` : ''}`);
  };
  const step = async (what: string, check: () => Promise<string | [Verdict, string]>) => {
    try {
      const result = await check();
      if (typeof result === 'string') report('ok', what, result);
      else report(result[0], what, result[1]);
    } catch (error) {
      report('FAIL', what, (error as Error).message.split('\n')[0]);
    }
  };

  let config: Config;
  try {
    config = loadConfig();
    report('ok', 'configuration', `${config.production ? 'production' : 'development'}, PUBLIC_URL ${config.publicUrl}`);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    report('FAIL', 'configuration');
    for (const problem of error.problems) out(`        ${problem}`);
    return 1;
  }

  let connected: Connected | undefined;
  await step('database and Temporal reachable', async () => {
    connected = await connect(config);
    await mongoose.connection.db!.admin().ping();
    const health = await connected.connection.healthService.check({ service: 'temporal.api.workflowservice.v1.WorkflowService' });
    if (health.status !== 1) throw new Error(`Temporal answers ${String(health.status)}`);
    await connected.temporal.workflowService.describeNamespace({ namespace: config.temporal.namespace });
    return `namespace ${config.temporal.namespace}`;
  });
  if (!connected) return 1;
  const { temporal } = connected;
  try {
    for (const queue of [taskQueues.checks, taskQueues.documents]) {
      await step(`workers polling "${queue}"`, async () => {
        const described = await temporal.workflowService.describeTaskQueue({
          namespace: config.temporal.namespace,
          taskQueue: { name: queue, kind: proto.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
          taskQueueType: queue === taskQueues.checks ? proto.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW : proto.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
        });
        const pollers = described.pollers?.length ?? 0;
        return pollers > 0 ? `${pollers} poller(s)` : ['FAIL', 'no worker polls it (checks stall until one does)'];
      });
    }
    await step('key ring', async () => {
      const keys = await checkDocumentKeys(config, temporal);
      return `DOCUMENT_KEY ${config.payloadKeys.current} and ${config.payloadKeys.keys.size - 1} previous key(s) read every recorded key (${keys.held.length} held)`;
    });
    await step('indexes', async () => {
      const missing: string[] = [];
      for (const model of models) {
        const diff = await model.diffIndexes();
        for (const index of diff.toCreate) missing.push(`${model.collection.collectionName} ${JSON.stringify(index)}`);
      }
      // The API and the workers create them at start; missing ones mean none started against this database yet.
      return missing.length === 0 ? `all ${models.length} collections have theirs` : ['FAIL', `missing: ${missing.join('; ')}`];
    });
    await step('the API answers /readyz', async () => {
      const response = await fetch(`${config.publicUrl}/readyz`, { signal: AbortSignal.timeout(5_000) });
      if (!response.ok) return ['FAIL', `${config.publicUrl}/readyz answered ${response.status}`];
      return `${config.publicUrl}`;
    });
    if (!config.webhook) report('warn', 'webhooks', 'WEBHOOK_URL is not set: the order pipeline hears nothing');
  } finally {
    await connected.close();
  }
  return failed ? 1 : 0;
}

async function retentionSweep(all: boolean): Promise<number> {
  const connected = await connect(loadConfig());
  try {
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    const swept = await connected.temporal.workflow.execute('retentionSweepWorkflow', {
      taskQueue: taskQueues.checks,
      workflowId: `retention-sweep/manual-${stamp}`,
    });
    out(`retention sweep: ${(swept as { purged: number }).purged} check(s) purged`);
    if (all) {
      const pass = (await connected.temporal.workflow.execute('retentionDailyPassWorkflow', {
        taskQueue: taskQueues.checks,
        workflowId: `retention-daily/manual-${stamp}`,
      })) as { scanned: number; purged: number };
      out(`daily pass: ${pass.scanned} final check(s) scanned, ${pass.purged} purged`);
    }
    return 0;
  } finally {
    await connected.close();
  }
}

async function packDecisions(): Promise<number> {
  const connected = await connect(loadConfig());
  try {
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    const packed = (await connected.temporal.workflow.execute('decisionPackingWorkflow', {
      taskQueue: taskQueues.checks,
      workflowId: `decision-packing/manual-${stamp}`,
    })) as { days: number; packed: number; records: number };
    out(`decision packing: ${packed.days} day(s) sealed, ${packed.records} record(s) packed into ${packed.packed} day(s)`);
    return 0;
  } finally {
    await connected.close();
  }
}

/** What a ruleset's JSON carries into a draft: the form `POST /v1/rulesets` takes (`GET /v1/rulesets/live` gives it). */
const OPS_ACTOR: rulesets.RulesetActor = { type: 'service', id: 'ops-cli' };

async function rulesetCommand(args: string[]): Promise<number> {
  const [sub, arg] = args;
  if (sub !== 'export' && sub !== 'import') {
    out('usage: npm run ops -- rulesets export [version] | rulesets import <file.json>');
    return 2;
  }
  if (sub === 'import' && !arg) {
    process.stderr.write('ops rulesets import: name the JSON file\n');
    return 2;
  }
  const connected = await connect(loadConfig());
  try {
    if (sub === 'export') {
      const view = arg ? await rulesets.get(OPS_ACTOR, arg) : await rulesets.live(OPS_ACTOR);
      out(JSON.stringify(view, null, 2));
      return 0;
    }
    let input: unknown;
    try {
      input = JSON.parse(await readFile(arg!, 'utf8'));
    } catch (error) {
      process.stderr.write(`ops rulesets import: ${arg} is not readable JSON (${(error as Error).message})\n`);
      return 1;
    }
    // What `GET` answers can be imported: its read-only fields are dropped, as `POST /v1/rulesets` does.
    const draft =
      typeof input === 'object' && input !== null && !Array.isArray(input)
        ? Object.fromEntries(Object.entries(input).filter(([k]) => !['createdBy', 'createdAt', 'publishedAt', 'version', 'status'].includes(k)))
        : input;
    const saved = await rulesets.create(OPS_ACTOR, draft);
    out(`saved draft ${saved.version} (${saved.rules.length} rules); publish it from the console's Rules page or POST /v1/rulesets/${saved.version}/publish (admin)`);
    return 0;
  } catch (error) {
    if (error instanceof rulesets.RulesetRefusal) {
      process.stderr.write(`ops rulesets ${sub}: ${error.message}\n${error.details ? `${JSON.stringify(error.details, null, 2)}\n` : ''}`);
      return 1;
    }
    throw error;
  } finally {
    await connected.close();
  }
}

async function main(): Promise<number> {
  const [command, ...args] = process.argv.slice(2);
  switch (command) {
    case 'doctor':
      return doctor();
    case 'keys':
      return runScript('keys', args);
    case 'rewrap':
      return runScript('keys', ['rewrap', ...args]);
    case 'token':
      return runScript('token', args);
    case 'retention-sweep':
      return retentionSweep(args.includes('--all'));
    case 'pack-decisions':
      return packDecisions();
    case 'lists':
      return runScript('lists', args);
    case 'rulesets':
      return rulesetCommand(args);
    default:
      out(usage);
      return command === undefined || command === 'help' || command === '--help' ? 0 : 2;
  }
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    process.stderr.write(`${error instanceof ConfigError ? error.message : (error.stack ?? error.message)}\n`);
    process.exit(1);
  },
);
