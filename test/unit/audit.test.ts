/** The audit hash chain: built entry by entry, and every kind of tampering found at the right seq. */
import { expect } from 'chai';
import { GENESIS_HASH, hashEntry, nextEntry, verifyChain, type AuditEntry, type AuditFields } from '../../domain/audit';

const CHECK = 'chk_01';

function fields(i: number): AuditFields {
  return {
    checkId: CHECK,
    at: new Date(Date.UTC(2026, 10, 24, 10, i)).toISOString(),
    actor: i % 2 ? { type: 'reviewer', id: `rev_${i}`, role: 'reviewer' } : { type: 'system' },
    action: i % 2 ? 'document.viewed' : 'status.changed',
    detail: { i, nested: { b: [1, { z: 2, a: 1 }], a: 'x' } },
  };
}

function chain(n: number): AuditEntry[] {
  const out: AuditEntry[] = [];
  for (let i = 1; i <= n; i++) out.push(nextEntry(out[out.length - 1], fields(i)));
  return out;
}

const clone = (entries: AuditEntry[]): AuditEntry[] => JSON.parse(JSON.stringify(entries));

describe('audit hash chain', () => {
  it('starts at seq 1 from the genesis hash and links each entry to the one before', () => {
    const entries = chain(5);
    expect(entries[0].seq).to.equal(1);
    expect(entries[0].prevHash).to.equal(GENESIS_HASH);
    expect(GENESIS_HASH).to.match(/^0{64}$/);
    for (let i = 1; i < entries.length; i++) {
      expect(entries[i].seq).to.equal(i + 1);
      expect(entries[i].prevHash).to.equal(entries[i - 1].hash);
    }
    for (const e of entries) expect(e.hash).to.match(/^[0-9a-f]{64}$/);
  });

  it('verifies an intact chain, and the empty one', () => {
    expect(verifyChain(chain(6))).to.deep.equal({ valid: true, length: 6 });
    expect(verifyChain([])).to.deep.equal({ valid: true, length: 0 });
  });

  it('hashes canonically: key order does not matter, extra stored fields are ignored', () => {
    const [e] = chain(1);
    const reordered = { hash: e.hash, prevHash: e.prevHash, detail: { nested: { a: 'x', b: [1, { a: 1, z: 2 }] }, i: 1 }, action: e.action, actor: e.actor, at: e.at, seq: e.seq, checkId: e.checkId };
    expect(hashEntry(reordered)).to.equal(e.hash);
    expect(hashEntry({ ...e, _id: `${CHECK}:00000001` } as AuditEntry)).to.equal(e.hash);
    expect(verifyChain(clone(chain(3))).valid).to.equal(true); // survives a JSON round trip (the database)
  });

  it('stores detail as the JSON it will read back (Dates as ISO strings, no undefined)', () => {
    const at = new Date('2026-11-24T10:00:00.000Z');
    const e = nextEntry(undefined, { ...fields(1), detail: { when: at, gone: undefined } as Record<string, unknown> });
    expect(e.detail).to.deep.equal({ when: '2026-11-24T10:00:00.000Z' });
    expect(verifyChain(clone([e])).valid).to.equal(true);
  });

  it('finds a tampered detail at its seq', () => {
    const entries = clone(chain(5));
    (entries[2].detail as { i: number }).i = 99;
    expect(verifyChain(entries)).to.deep.include({ valid: false, brokenAt: 3 });
  });

  it('finds a tampered actor or action at its seq', () => {
    const a = clone(chain(5));
    a[3].actor.id = 'rev_someone_else';
    expect(verifyChain(a)).to.deep.include({ valid: false, brokenAt: 4 });
    const b = clone(chain(5));
    b[0].action = 'decision.approve';
    expect(verifyChain(b)).to.deep.include({ valid: false, brokenAt: 1 });
  });

  it('finds a tampered entry whose hash was recomputed at the next seq', () => {
    const entries = clone(chain(5));
    (entries[1].detail as { i: number }).i = 99;
    entries[1].hash = hashEntry(entries[1]);
    expect(verifyChain(entries)).to.deep.include({ valid: false, brokenAt: 3 });
  });

  it('finds a deleted middle entry at the missing seq', () => {
    const entries = chain(5);
    entries.splice(2, 1);
    const verdict = verifyChain(entries);
    expect(verdict).to.deep.include({ valid: false, brokenAt: 3 });
    expect(verdict.valid === false && verdict.reason).to.match(/expected seq 3, found 4/);
  });

  it('finds a deleted first entry at seq 1', () => {
    expect(verifyChain(chain(3).slice(1))).to.deep.include({ valid: false, brokenAt: 1 });
  });

  it('finds a deleted and renumbered entry by its prevHash', () => {
    const entries = clone(chain(5));
    entries.splice(2, 1);
    for (let i = 2; i < entries.length; i++) {
      entries[i].seq = i + 1;
      entries[i].hash = hashEntry(entries[i]);
    }
    const verdict = verifyChain(entries);
    expect(verdict).to.deep.include({ valid: false, brokenAt: 3 });
    expect(verdict.valid === false && verdict.reason).to.match(/prevHash/);
  });

  it('finds reordered entries at the first position out of place', () => {
    const entries = chain(5);
    [entries[1], entries[2]] = [entries[2], entries[1]];
    expect(verifyChain(entries)).to.deep.include({ valid: false, brokenAt: 2 });
  });

  it('finds a changed hash at its seq', () => {
    const entries = clone(chain(5));
    entries[3].hash = 'f'.repeat(64);
    expect(verifyChain(entries)).to.deep.include({ valid: false, brokenAt: 4 });
  });

  it('finds a replaced genesis link and an entry of another check', () => {
    const a = clone(chain(2));
    a[0].prevHash = '1'.repeat(64);
    a[0].hash = hashEntry(a[0]);
    expect(verifyChain(a)).to.deep.include({ valid: false, brokenAt: 1 });
    const b = clone(chain(3));
    b[1].checkId = 'chk_other';
    b[1].hash = hashEntry(b[1]);
    expect(verifyChain(b)).to.deep.include({ valid: false, brokenAt: 2 });
  });

  it('refuses to continue another check’s chain and malformed fields', () => {
    const [first] = chain(1);
    expect(() => nextEntry(first, { ...fields(2), checkId: 'chk_other' })).to.throw(/cannot continue/);
    expect(() => nextEntry(undefined, { ...fields(1), at: 'yesterday' })).to.throw(/ISO/);
    expect(() => nextEntry(undefined, { ...fields(1), action: '' })).to.throw(/action/);
    expect(() => nextEntry(undefined, { ...fields(1), actor: { type: '' } })).to.throw(/actor/);
  });
});
