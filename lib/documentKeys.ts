/**
 * The key ring that wraps documents' data keys and encrypts Temporal payloads: DOCUMENT_KEY
 * now, PREVIOUS_DOCUMENT_KEYS for reading what was written before a rotation. And the start-up
 * check that a process can read what the deployment already holds, before it writes anything:
 * every key the deployment has written with is recorded (`keys` collection, by id), and a ring
 * that lacks a recorded, not retired key stops the start with an error naming DOCUMENT_KEY and
 * PREVIOUS_DOCUMENT_KEYS — instead of a process that starts and then fails every workflow task
 * and answers 500 for every document.
 */
import type { Client } from '@temporalio/client';
import type { Config } from '../config';
import { DocumentModel, KeyRecordModel, isDuplicateKey } from '../models';
import type { KeyRing } from '../documents/envelope';
import { payloadKeyId } from './payloadCodec';

export type KeyRingConfig = KeyRing;

export function keyRing(config: Config): KeyRing {
  return { currentId: config.documentKeyId, keys: new Map([[config.documentKeyId, config.documentKey], ...config.previousDocumentKeys]) };
}

/** A key the deployment has written with, as the `keys` collection records it. */
export interface KeyRecord {
  _id: string;
  recordedAt: Date;
  recordedBy: string;
  retiredAt?: Date | null;
}

/** The recorded keys that are still needed (not retired) and that the ring lacks. Pure. */
export function missingKeys(records: readonly KeyRecord[], ring: KeyRing): KeyRecord[] {
  return records.filter((r) => !r.retiredAt && !ring.keys.has(r._id));
}

/** Thrown at start when the key ring cannot read what the deployment holds. Its message names the variables. */
export class KeyRingError extends Error {
  override readonly name = 'KeyRingError';
}

export function keyRingProblem(missing: readonly KeyRecord[], ring: KeyRing): string {
  const list = missing.map((r) => `${r._id} (${r.recordedBy === 'found' ? 'found in existing data' : `in use since ${r.recordedAt.toISOString()}`})`).join(', ');
  const previous = [...ring.keys.keys()].filter((id) => id !== ring.currentId);
  return [
    `DOCUMENT_KEY / PREVIOUS_DOCUMENT_KEYS cannot read what this deployment already holds: documents and Temporal histories were written with key ${list},`,
    `which is neither DOCUMENT_KEY (key ${ring.currentId}) nor in PREVIOUS_DOCUMENT_KEYS (${previous.length ? `keys ${previous.join(', ')}` : 'unset'}).`,
    'Set DOCUMENT_KEY back, or put the earlier key in PREVIOUS_DOCUMENT_KEYS when rotating. Nothing was written.',
    '(`npm run keys -- status` shows what each key still holds; `npm run keys -- retire <id>` retires a key nothing needs any more.)',
  ].join(' ');
}

/** How many running workflows the first start looks at for the keys of their payloads. */
const TEMPORAL_SAMPLE = 50;

export interface KeyCheck {
  /** Key ids the deployment holds data under (recorded, or found on a first start). */
  held: string[];
  /** Records the current DOCUMENT_KEY (and, on a first start, the keys found): the process's first write. */
  record(by: string): Promise<void>;
}

/**
 * Reads, writes nothing: throws `KeyRingError` when the ring lacks a key the deployment holds
 * data under. On a deployment's first start with this check (no key recorded yet), the keys of
 * existing documents and of a sample of running workflows' payloads stand in for the record.
 */
export async function checkDocumentKeys(config: Config, temporal?: Client): Promise<KeyCheck> {
  const ring = keyRing(config);
  let records: KeyRecord[] = await KeyRecordModel.find().lean<KeyRecord[]>();
  let found: string[] = [];
  if (records.length === 0) {
    found = [...new Set([...(await documentKeyIds()), ...(temporal ? await temporalKeyIds(temporal) : [])])];
    records = found.map((id) => ({ _id: id, recordedAt: new Date(), recordedBy: 'found' }));
  }
  const missing = missingKeys(records, ring);
  if (missing.length > 0) throw new KeyRingError(keyRingProblem(missing, ring));
  return {
    held: records.filter((r) => !r.retiredAt).map((r) => r._id),
    async record(by: string) {
      for (const id of found) await insertRecord(id, 'found');
      const inserted = await insertRecord(ring.currentId, by);
      // Writing with a key that was retired: it is needed again.
      if (!inserted) await KeyRecordModel.updateOne({ _id: ring.currentId, retiredAt: { $exists: true } }, { $unset: { retiredAt: 1 } });
    },
  };
}

/** A unique insert: true when this call recorded the key, false when it already was. */
async function insertRecord(id: string, by: string): Promise<boolean> {
  try {
    await KeyRecordModel.create({ _id: id, recordedAt: new Date(), recordedBy: by });
    return true;
  } catch (error) {
    if (isDuplicateKey(error)) return false;
    throw error;
  }
}

/** The key ids that wrap existing documents' data keys. */
async function documentKeyIds(): Promise<string[]> {
  const ids = await DocumentModel.distinct('dataKey.keyId');
  return ids.filter((id): id is string => typeof id === 'string');
}

/** The key ids of the input payloads of (a sample of) running workflows. */
async function temporalKeyIds(client: Client): Promise<string[]> {
  const ids = new Set<string>();
  let seen = 0;
  for await (const execution of client.workflow.list({ query: 'ExecutionStatus="Running"', pageSize: TEMPORAL_SAMPLE })) {
    const { history } = await client.workflowService.getWorkflowExecutionHistory({
      namespace: client.options.namespace,
      execution: { workflowId: execution.workflowId, runId: execution.runId },
      maximumPageSize: 1,
    });
    for (const payload of history?.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads ?? []) {
      const id = payloadKeyId(payload);
      if (id) ids.add(id);
    }
    if (++seen >= TEMPORAL_SAMPLE) break;
  }
  return [...ids];
}
