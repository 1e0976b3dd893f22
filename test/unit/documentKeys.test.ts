/** The start-up key check's rule: every recorded, not retired key must be in the ring; the error names the variables. */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { keyRingProblem, missingKeys, type KeyRecord } from '../../lib/documentKeys';
import type { KeyRing } from '../../documents/envelope';

const ring = (current: string, ...previous: string[]): KeyRing => ({
  currentId: current,
  keys: new Map([current, ...previous].map((id) => [id, randomBytes(32)])),
});
const record = (id: string, retired = false): KeyRecord => ({
  _id: id,
  recordedAt: new Date('2026-11-01T00:00:00Z'),
  recordedBy: 'api',
  retiredAt: retired ? new Date('2026-12-01T00:00:00Z') : undefined,
});

describe('document key check', () => {
  it('asks for every recorded key that is not retired, and nothing else', () => {
    const records = [record('aaaa'), record('bbbb', true), record('cccc')];
    expect(missingKeys(records, ring('cccc', 'aaaa'))).to.deep.equal([]);
    expect(missingKeys(records, ring('cccc')).map((r) => r._id)).to.deep.equal(['aaaa']);
    expect(missingKeys(records, ring('dddd')).map((r) => r._id)).to.deep.equal(['aaaa', 'cccc']);
    expect(missingKeys([], ring('dddd'))).to.deep.equal([]); // a new deployment
    expect(missingKeys([record('bbbb', true)], ring('dddd'))).to.deep.equal([]); // retired: not needed
  });

  it('says which key is missing, names DOCUMENT_KEY and PREVIOUS_DOCUMENT_KEYS, and that nothing was written', () => {
    const message = keyRingProblem([record('aaaa')], ring('dddd', 'eeee'));
    expect(message).to.include('DOCUMENT_KEY / PREVIOUS_DOCUMENT_KEYS cannot read');
    expect(message).to.include('key aaaa (in use since 2026-11-01T00:00:00.000Z)');
    expect(message).to.include('DOCUMENT_KEY (key dddd)');
    expect(message).to.include('PREVIOUS_DOCUMENT_KEYS (keys eeee)');
    expect(message).to.include('Nothing was written');
    expect(keyRingProblem([{ ...record('aaaa'), recordedBy: 'found' }], ring('dddd'))).to.include('aaaa (found in existing data)').and.include('PREVIOUS_DOCUMENT_KEYS (unset)');
  });
});
