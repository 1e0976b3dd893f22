/**
 * `npm run keys -- <command>`: DOCUMENT_KEY rotation, run with the same environment as the API
 * (without TEMPORAL_ADDRESS / MONGODB_URI it talks to a running `npm start` on its default ports).
 *
 *   status                 every key: where it is in the ring, documents it wraps, whether retired
 *   rewrap                 re-wrap every document's data key under DOCUMENT_KEY (idempotent, resumable,
 *                          safe while the engine runs); then says which old keys can go
 *   retire <id> [--force]  stop requiring a key at start (refused while documents or, without
 *                          --force, running workflows may still need it)
 *   legacy-secrets         TOKEN_SECRET and PSEUDONYM_SECRET as they were derived from DOCUMENT_KEY
 *                          before they became their own variables (keeps links, velocity, block list)
 */
import mongoose from 'mongoose';
import { Client, Connection } from '@temporalio/client';
import { legacySecrets, loadConfig, type Config } from '../config';
import { dataConverter } from '../lib/payloadCodec';
import { keyStates, retireKey, rewrapDocuments, workflowsBeforeCurrentKey, type RewrapReport } from '../lib/keyRotation';
import { defaultPorts } from '../stack/ports';

const out = (line = '') => process.stdout.write(`${line}\n`);

async function main(): Promise<number> {
  const [command, ...args] = process.argv.slice(2);
  const config = loadConfig();
  if (command === 'legacy-secrets') {
    const legacy = legacySecrets(config.documentKey);
    out(`# derived from DOCUMENT_KEY ${config.documentKeyId}: set these before rotating it, to keep open links, velocity history and the block list`);
    out(`TOKEN_SECRET=base64:${legacy.tokenSecret.toString('base64')}`);
    out(`PSEUDONYM_SECRET=base64:${legacy.pseudonymSecret.toString('base64')}`);
    return 0;
  }
  if (!['status', 'rewrap', 'retire'].includes(command ?? '')) {
    out('usage: npm run keys -- status | rewrap | retire <key id> [--force] | legacy-secrets');
    return 2;
  }

  mongoose.set('autoCreate', false);
  mongoose.set('autoIndex', false);
  await mongoose.connect(config.mongodbUri ?? `mongodb://127.0.0.1:${defaultPorts.mongo}/fraud`, { serverSelectionTimeoutMS: 10_000 });
  const connection = await Connection.connect({ address: config.temporal.address ?? `127.0.0.1:${defaultPorts.temporal}` });
  const temporal = new Client({
    connection,
    namespace: config.temporal.namespace,
    dataConverter: dataConverter(config.payloadKeys.keys, config.payloadKeys.current),
  });
  try {
    if (command === 'status') {
      await printStatus(config, temporal);
      return 0;
    }
    if (command === 'rewrap') {
      out(`Re-wrapping document keys under DOCUMENT_KEY ${config.documentKeyId} ...`);
      const report = await rewrapDocuments(config, (r) => out(`  ... ${r.rewrapped} re-wrapped so far`));
      printRewrap(report);
      out();
      await printStatus(config, temporal);
      return Object.keys(report.unreadable).length > 0 ? 1 : 0;
    }
    const id = args.find((a) => !a.startsWith('--'));
    if (!id) {
      out('usage: npm run keys -- retire <key id> [--force]');
      return 2;
    }
    const result = await retireKey(config, temporal, id, args.includes('--force'));
    for (const reason of result.reasons) out(`  ${reason}`);
    if (result.retired) {
      out(`Key ${id} is retired: processes start without it. Remove it from PREVIOUS_DOCUMENT_KEYS and restart them.`);
      return 0;
    }
    out(`Key ${id} is not retired.${result.reasons.some((r) => r.includes('running workflows')) ? ' (--force retires it anyway: those workflows then fail when a worker replays them.)' : ''}`);
    return 1;
  } finally {
    await mongoose.disconnect();
    await connection.close();
  }
}

function printRewrap(r: RewrapReport): void {
  out(`  re-wrapped now                       ${r.rewrapped}`);
  out(`  skipped, still being processed       ${r.processing}${r.processing ? '   (run again once they are processed)' : ''}`);
  out(`  skipped, changed during this run     ${r.changed}${r.changed ? '   (run again)' : ''}`);
  for (const [id, n] of Object.entries(r.unreadable)) {
    out(`  UNREADABLE: ${n} documents under key ${id}, which is in neither DOCUMENT_KEY nor PREVIOUS_DOCUMENT_KEYS`);
  }
  if (r.reshredded) out(`  data keys of purged checks removed again   ${r.reshredded}`);
}

async function printStatus(config: Config, temporal: Client): Promise<void> {
  const states = await keyStates(config);
  const { since, running } = await workflowsBeforeCurrentKey(config, temporal);
  out('Keys (by id; `npm run keys -- retire <id>` once nothing needs one):');
  for (const s of states) {
    const record = s.record
      ? s.record.retiredAt
        ? `retired ${s.record.retiredAt.toISOString()}`
        : `in use since ${s.record.recordedAt.toISOString()}`
      : 'not recorded';
    out(`  ${s.id}  ${s.ring.padEnd(22)}  ${String(s.documents).padStart(7)} documents  ${record}`);
  }
  const old = states.filter((s) => s.ring !== 'DOCUMENT_KEY' && !s.record?.retiredAt && (s.record || s.documents > 0));
  if (old.length === 0) return;
  out();
  out('Temporal: every payload is encrypted with the key that was DOCUMENT_KEY when it was written, and a');
  out("worker replaying a workflow needs it again. A check's workflow stays open until its retention purge");
  out(`(RETENTION_PERIOD after its final state). Now ${running} running workflows started before ${since.toISOString()},`);
  out(`when DOCUMENT_KEY ${config.documentKeyId} was first used, and may hold payloads under an earlier key.`);
  for (const s of old) {
    if (s.documents > 0) out(`  ${s.id}: still wraps ${s.documents} documents — keep it; run \`npm run keys -- rewrap\`.`);
    else if (running > 0) out(`  ${s.id}: wraps no document; keep it in PREVIOUS_DOCUMENT_KEYS until those ${running} workflows have closed.`);
    else out(`  ${s.id}: wraps no document and no running workflow predates the current key: \`npm run keys -- retire ${s.id}\`, then drop it.`);
  }
}

main().then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`keys: ${(error as Error).message}\n`);
    process.exit(1);
  },
);
