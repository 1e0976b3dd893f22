/**
 * Rotating DOCUMENT_KEY: re-wrap every document's data key under the current key, see what each
 * key still holds, and retire a key nothing needs any more (`npm run keys -- …`).
 *
 * Safe while the engine runs. A data key is written once, at upload; afterwards only the
 * retention purge removes it. So each document is re-wrapped by one conditional update on its
 * old wrapped key (a document that changed meanwhile is left for the next run), documents still
 * being processed are skipped, and the blobs are never touched (the data key inside stays the
 * same). Idempotent and resumable: a run only looks at documents not yet under the current key.
 *
 * Temporal histories are another matter: every payload a workflow wrote is encrypted with the
 * key that was current then, and a worker replaying that workflow needs the key again. A check's
 * workflow stays open until its retention purge, so an old key stays in PREVIOUS_DOCUMENT_KEYS
 * until every workflow that started before the rotation has closed.
 */
import type { Client } from '@temporalio/client';
import type { Config } from '../config';
import { rewrapDataKey, type WrappedKey } from '../documents/envelope';
import { CheckModel, DocumentModel, KeyRecordModel } from '../models';
import { keyRing, type KeyRecord } from './documentKeys';

export interface RewrapReport {
  /** The key everything is re-wrapped under (DOCUMENT_KEY's id). */
  currentKeyId: string;
  rewrapped: number;
  /** Skipped: still being processed (the processing writes the document); run again later. */
  processing: number;
  /** Skipped: changed while this run looked at it (purged, or re-wrapped by another run). */
  changed: number;
  /** Documents under a key that is in neither DOCUMENT_KEY nor PREVIOUS_DOCUMENT_KEYS, by key id. */
  unreadable: Record<string, number>;
  /** Documents of purged checks whose data key a re-wrap raced back in, removed again. */
  reshredded: number;
}

/** Re-wraps every document's data key that is not under DOCUMENT_KEY yet. */
export async function rewrapDocuments(config: Config, onProgress?: (report: RewrapReport) => void): Promise<RewrapReport> {
  const ring = keyRing(config);
  const report: RewrapReport = { currentKeyId: ring.currentId, rewrapped: 0, processing: 0, changed: 0, unreadable: {}, reshredded: 0 };
  const touchedChecks = new Set<string>();
  const cursor = DocumentModel.find({ 'dataKey.keyId': { $exists: true, $ne: ring.currentId } }, { dataKey: 1, status: 1, checkId: 1 })
    .lean()
    .cursor({ batchSize: 200 });
  let seen = 0;
  for await (const doc of cursor) {
    const wrapped = doc.dataKey as WrappedKey;
    if (doc.status === 'processing') {
      report.processing++;
    } else if (!ring.keys.has(wrapped.keyId)) {
      report.unreadable[wrapped.keyId] = (report.unreadable[wrapped.keyId] ?? 0) + 1;
    } else {
      const fresh = rewrapDataKey(ring, wrapped)!;
      // Only if the document still holds exactly the wrapped key read above, is not being
      // processed and was not purged meanwhile (MongoDB applies the condition atomically).
      const result = await DocumentModel.updateOne(
        { _id: doc._id, 'dataKey.keyId': wrapped.keyId, 'dataKey.key': wrapped.key, status: { $ne: 'processing' }, shreddedAt: { $exists: false } },
        { $set: { dataKey: fresh } },
      );
      if (result.matchedCount === 1) {
        report.rewrapped++;
        touchedChecks.add(doc.checkId);
      } else {
        report.changed++;
      }
    }
    if (++seen % 200 === 0) onProgress?.(report);
  }
  report.reshredded = await reshredPurged([...touchedChecks]);
  return report;
}

/**
 * The development database (FerretDB) applies an update as a read and a whole-document write,
 * so a re-wrap racing the retention purge of the same document could write the data key back
 * after the purge removed it. A purged check's documents never keep a data key: remove any.
 */
async function reshredPurged(checkIds: string[]): Promise<number> {
  let count = 0;
  for (const checkId of checkIds) {
    const check = await CheckModel.findById(checkId, { purgedAt: 1 }).lean<{ purgedAt?: Date }>();
    if (!check?.purgedAt) continue;
    const result = await DocumentModel.updateMany(
      { checkId, dataKey: { $exists: true } },
      { $unset: { dataKey: 1, blobs: 1 }, $set: { shreddedAt: new Date() } },
    );
    count += result.modifiedCount;
  }
  return count;
}

export interface KeyState {
  id: string;
  /** Where the key is in this process's ring: DOCUMENT_KEY, PREVIOUS_DOCUMENT_KEYS, or neither. */
  ring: 'DOCUMENT_KEY' | 'PREVIOUS_DOCUMENT_KEYS' | 'absent';
  record?: KeyRecord;
  /** Documents whose data key is wrapped by it. */
  documents: number;
}

/** Every key known from the ring, the record and the documents, and what each still wraps. */
export async function keyStates(config: Config): Promise<KeyState[]> {
  const ring = keyRing(config);
  const records = await KeyRecordModel.find().lean<KeyRecord[]>();
  const inDocuments = (await DocumentModel.distinct('dataKey.keyId')).filter((id): id is string => typeof id === 'string');
  const ids = [...new Set([ring.currentId, ...ring.keys.keys(), ...records.map((r) => r._id), ...inDocuments])];
  return Promise.all(
    ids.map(async (id) => ({
      id,
      ring: id === ring.currentId ? 'DOCUMENT_KEY' : ring.keys.has(id) ? 'PREVIOUS_DOCUMENT_KEYS' : 'absent',
      record: records.find((r) => r._id === id),
      documents: await DocumentModel.countDocuments({ 'dataKey.keyId': id }),
    })),
  );
}

/**
 * Workflows that may hold payloads encrypted with an earlier key: those still running that
 * started before the current DOCUMENT_KEY was first used (`since`). Processes still running with
 * the old key during a rolling restart add the few started in between.
 */
export async function workflowsBeforeCurrentKey(config: Config, temporal: Client): Promise<{ since: Date; running: number }> {
  const record = await KeyRecordModel.findById(config.documentKeyId).lean<KeyRecord>();
  const since = record?.recordedAt ?? new Date();
  const { count } = await temporal.workflow.count(`ExecutionStatus="Running" AND StartTime < "${since.toISOString()}"`);
  return { since, running: count };
}

export interface RetireResult {
  retired: boolean;
  /** Why not (or, with `force`, what was overridden). */
  reasons: string[];
}

/**
 * Marks a key retired, so the start-up check no longer asks for it: refused while it is
 * DOCUMENT_KEY or still wraps documents; while running workflows may hold payloads under it,
 * refused unless `force` (those workflows then fail when a worker has to replay them).
 */
export async function retireKey(config: Config, temporal: Client, id: string, force = false): Promise<RetireResult> {
  const reasons: string[] = [];
  const record = await KeyRecordModel.findById(id).lean<KeyRecord>();
  if (!record) return { retired: false, reasons: [`key ${id} is not recorded as used by this deployment: nothing to retire`] };
  if (record.retiredAt) return { retired: true, reasons: [`key ${id} was already retired on ${record.retiredAt.toISOString()}`] };
  if (id === config.documentKeyId) return { retired: false, reasons: [`key ${id} is DOCUMENT_KEY`] };
  const documents = await DocumentModel.countDocuments({ 'dataKey.keyId': id });
  if (documents > 0) return { retired: false, reasons: [`${documents} documents are still wrapped by key ${id}: run \`npm run keys -- rewrap\` first`] };
  const { since, running } = await workflowsBeforeCurrentKey(config, temporal);
  if (running > 0) {
    reasons.push(
      `${running} running workflows started before ${since.toISOString()} (when DOCUMENT_KEY ${config.documentKeyId} was first used) may hold payloads encrypted with key ${id}`,
    );
    if (!force) return { retired: false, reasons };
  }
  await KeyRecordModel.updateOne({ _id: id }, { $set: { retiredAt: new Date() } });
  return { retired: true, reasons };
}
