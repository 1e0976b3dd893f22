/** The keyed audit hash chain: built entry by entry, every kind of tampering found at the right seq, free text purged without breaking it. */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import {
  auditKey,
  commitFreeText,
  GENESIS_HASH,
  keyedHash,
  nextEntry,
  presentEntry,
  PURGE_ACTION,
  redactEntry,
  unkeyedHash,
  verifyChain,
  type AuditEntry,
  type AuditFields,
} from '../../domain/audit';
import { canonicalJson, sha256Hex } from '../../lib/crypto';

const CHECK = 'chk_01';
const KEY = auditKey(randomBytes(32));

function fields(i: number): AuditFields {
  return {
    checkId: CHECK,
    at: new Date(Date.UTC(2026, 10, 24, 10, i)).toISOString(),
    actor: i % 2 ? { type: 'reviewer', id: `rev_${i}`, role: 'reviewer' } : { type: 'system' },
    action: i % 2 ? 'decision.approve' : 'status.changed',
    detail: { i, nested: { b: [1, { z: 2, a: 1 }], a: 'x' }, ...(i % 2 ? { reason: `called the customer, case ${i}` } : {}) },
  };
}

function chain(n: number, from: AuditEntry[] = []): AuditEntry[] {
  const out = [...from];
  for (let i = out.length + 1; i <= n; i++) out.push(nextEntry(out[out.length - 1], fields(i), KEY));
  return out;
}

const clone = (entries: AuditEntry[]): AuditEntry[] => JSON.parse(JSON.stringify(entries));

/** What the purge does to a chain: its keyed entry, then every entry's free text gone. */
function purged(entries: AuditEntry[]): AuditEntry[] {
  const withPurge = [...entries, nextEntry(entries[entries.length - 1], { checkId: CHECK, at: new Date().toISOString(), actor: { type: 'system' }, action: PURGE_ACTION, detail: {} }, KEY)];
  return clone(withPurge.map(redactEntry));
}

/** A chain as the code before the key wrote it: plain SHA-256 (the formula of that code), reason in detail. */
function unkeyedChain(n: number): AuditEntry[] {
  const out: AuditEntry[] = [];
  for (let i = 1; i <= n; i++) {
    const f = fields(i);
    const unhashed = { checkId: CHECK, seq: i, at: f.at, actor: f.actor, action: f.action, detail: f.detail, prevHash: out[i - 2]?.hash ?? GENESIS_HASH };
    out.push({ ...unhashed, hash: sha256Hex(canonicalJson(unhashed)) });
  }
  return out;
}

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
    for (const e of entries) expect(e).to.include({ chain: 'hmac-sha256', keyId: KEY.id }).and.to.have.property('hash').that.matches(/^[0-9a-f]{64}$/);
  });

  it('verifies an intact chain, and the empty one', () => {
    expect(verifyChain(chain(6), KEY)).to.deep.equal({ valid: true, length: 6 });
    expect(verifyChain([], KEY)).to.deep.equal({ valid: true, length: 0 });
  });

  it('hashes canonically: key order does not matter, extra stored fields are ignored', () => {
    const [e] = chain(1);
    const { hash: _h, ...rest } = e;
    const reordered = Object.fromEntries(Object.entries(rest).reverse()) as Omit<AuditEntry, 'hash'>;
    reordered.detail = { nested: { a: 'x', b: [1, { a: 1, z: 2 }] }, i: 1 };
    expect(keyedHash(reordered, KEY)).to.equal(e.hash);
    expect(keyedHash({ ...e, _id: `${CHECK}:00000001` } as AuditEntry, KEY)).to.equal(e.hash);
    expect(verifyChain(clone(chain(3)), KEY).valid).to.equal(true); // survives a JSON round trip (the database)
  });

  it('stores detail as the JSON it will read back (Dates as ISO strings, no undefined)', () => {
    const at = new Date('2026-11-24T10:00:00.000Z');
    const e = nextEntry(undefined, { ...fields(2), detail: { when: at, gone: undefined } as Record<string, unknown> }, KEY);
    expect(e.detail).to.deep.equal({ when: '2026-11-24T10:00:00.000Z' });
    expect(verifyChain(clone([e]), KEY).valid).to.equal(true);
  });

  it('finds a tampered detail at its seq', () => {
    const entries = clone(chain(5));
    (entries[2].detail as { i: number }).i = 99;
    expect(verifyChain(entries, KEY)).to.deep.include({ valid: false, brokenAt: 3 });
  });

  it('finds a tampered actor or action at its seq', () => {
    const a = clone(chain(5));
    a[3].actor.id = 'rev_someone_else';
    expect(verifyChain(a, KEY)).to.deep.include({ valid: false, brokenAt: 4 });
    const b = clone(chain(5));
    b[0].action = 'decision.reject';
    expect(verifyChain(b, KEY)).to.deep.include({ valid: false, brokenAt: 1 });
  });

  it('finds a tampered entry whose hash was recomputed (with the key) at the next seq', () => {
    const entries = clone(chain(5));
    (entries[1].detail as { i: number }).i = 99;
    entries[1].hash = keyedHash(entries[1], KEY);
    expect(verifyChain(entries, KEY)).to.deep.include({ valid: false, brokenAt: 3 });
  });

  it('finds a deleted middle entry at the missing seq', () => {
    const entries = chain(5);
    entries.splice(2, 1);
    const verdict = verifyChain(entries, KEY);
    expect(verdict).to.deep.include({ valid: false, brokenAt: 3 });
    expect(verdict.valid === false && verdict.reason).to.match(/expected seq 3, found 4/);
  });

  it('finds a deleted first entry at seq 1', () => {
    expect(verifyChain(chain(3).slice(1), KEY)).to.deep.include({ valid: false, brokenAt: 1 });
  });

  it('finds a deleted and renumbered entry by its prevHash', () => {
    const entries = clone(chain(5));
    entries.splice(2, 1);
    for (let i = 2; i < entries.length; i++) {
      entries[i].seq = i + 1;
      entries[i].hash = keyedHash(entries[i], KEY);
    }
    const verdict = verifyChain(entries, KEY);
    expect(verdict).to.deep.include({ valid: false, brokenAt: 3 });
    expect(verdict.valid === false && verdict.reason).to.match(/prevHash/);
  });

  it('finds reordered entries at the first position out of place', () => {
    const entries = chain(5);
    [entries[1], entries[2]] = [entries[2], entries[1]];
    expect(verifyChain(entries, KEY)).to.deep.include({ valid: false, brokenAt: 2 });
  });

  it('finds a changed hash at its seq', () => {
    const entries = clone(chain(5));
    entries[3].hash = 'f'.repeat(64);
    expect(verifyChain(entries, KEY)).to.deep.include({ valid: false, brokenAt: 4 });
  });

  it('finds a replaced genesis link and an entry of another check', () => {
    const a = clone(chain(2));
    a[0].prevHash = '1'.repeat(64);
    a[0].hash = keyedHash(a[0], KEY);
    expect(verifyChain(a, KEY)).to.deep.include({ valid: false, brokenAt: 1 });
    const b = clone(chain(3));
    b[1].checkId = 'chk_other';
    b[1].hash = keyedHash(b[1], KEY);
    expect(verifyChain(b, KEY)).to.deep.include({ valid: false, brokenAt: 2 });
  });

  it('refuses to continue another check’s chain and malformed fields', () => {
    const [first] = chain(1);
    expect(() => nextEntry(first, { ...fields(2), checkId: 'chk_other' }, KEY)).to.throw(/cannot continue/);
    expect(() => nextEntry(undefined, { ...fields(1), at: 'yesterday' }, KEY)).to.throw(/ISO/);
    expect(() => nextEntry(undefined, { ...fields(1), action: '' }, KEY)).to.throw(/action/);
    expect(() => nextEntry(undefined, { ...fields(1), actor: { type: '' } }, KEY)).to.throw(/actor/);
    expect(() => auditKey(Buffer.alloc(8))).to.throw(/16 bytes/);
  });

  describe('keyed: a rewrite without AUDIT_SECRET', () => {
    it('is found at seq 1 when every hash is recomputed as plain SHA-256', () => {
      const entries = clone(chain(5));
      (entries[2].detail as { i: number }).i = 99;
      let prevHash = GENESIS_HASH;
      for (const e of entries) {
        e.prevHash = prevHash;
        const { hash: _old, ...rest } = e;
        e.hash = sha256Hex(canonicalJson(rest));
        prevHash = e.hash;
      }
      const verdict = verifyChain(entries, KEY);
      expect(verdict).to.deep.include({ valid: false, brokenAt: 1 });
      expect(verdict.valid === false && verdict.reason).to.match(/HMAC/);
    });

    it('is found when rewritten as a chain from before the key (no keyed entry vouches for it)', () => {
      const entries = clone(chain(5)).map(({ chain: _c, keyId: _k, freeText, freeTextSalt: _s, freeTextCommitment: _m, ...e }) => ({ ...e, detail: { ...e.detail, ...freeText } }));
      let prevHash = GENESIS_HASH;
      for (const e of entries) {
        e.prevHash = prevHash;
        e.hash = unkeyedHash(e);
        prevHash = e.hash;
      }
      const verdict = verifyChain(entries, KEY);
      expect(verdict).to.deep.include({ valid: false, brokenAt: 1 });
      expect(verdict.valid === false && verdict.reason).to.match(/not keyed/);
    });

    it('is found when rewritten under another key, and the key id names the mismatch', () => {
      const other = auditKey(randomBytes(32));
      const forged = clone(chain(3));
      const rekeyed: AuditEntry[] = [];
      for (const e of forged) rekeyed.push(nextEntry(rekeyed[rekeyed.length - 1], { ...e, detail: { ...e.detail, ...e.freeText } }, other));
      expect(verifyChain(rekeyed, KEY)).to.deep.include({ valid: false, brokenAt: 1 });
      expect((verifyChain(rekeyed, KEY) as { reason: string }).reason).to.include(other.id);
      // Claiming our key id does not help without our key.
      const claimed = clone(rekeyed).map((e) => ({ ...e, keyId: KEY.id }));
      expect(verifyChain(claimed, KEY)).to.deep.include({ valid: false, brokenAt: 1 });
    });
  });

  describe('free text', () => {
    it('is kept out of detail and out of the hash, behind a salted commitment', () => {
      const [, second] = chain(2);
      const first = chain(1)[0];
      expect(first.detail).not.to.have.property('reason');
      expect(first.freeText).to.deep.equal({ reason: 'called the customer, case 1' });
      expect(first.freeTextCommitment).to.equal(commitFreeText(first.freeText!, first.freeTextSalt!));
      expect(second.freeText).to.equal(undefined); // no reason, no commitment
      expect(second.freeTextCommitment).to.equal(undefined);
      // The same text twice gives two unrelated commitments (a fresh salt each time).
      const again = nextEntry(undefined, fields(1), KEY);
      expect(again.freeTextCommitment).not.to.equal(first.freeTextCommitment);
      expect(presentEntry(first)).to.deep.include({ keyed: true }).and.not.to.have.property('freeTextSalt');
      expect(presentEntry(first).detail).to.include({ reason: 'called the customer, case 1', i: 1 });
    });

    it('finds edited free text at its seq, even though the hash does not cover it', () => {
      const entries = clone(chain(5));
      entries[2].freeText = { reason: 'edited afterwards' };
      const verdict = verifyChain(entries, KEY);
      expect(verdict).to.deep.include({ valid: false, brokenAt: 3 });
      expect(verdict.valid === false && verdict.reason).to.match(/commitment/);
    });

    it('finds free text removed from a case that was never purged, or added where there was none', () => {
      const removed = clone(chain(5)).map((e, i) => (i === 2 ? redactEntry(e) : e));
      expect(verifyChain(removed, KEY)).to.deep.include({ valid: false, brokenAt: 3, reason: 'free text removed, but the case was never purged' });
      const added = clone(chain(5));
      added[1].freeText = { reason: 'a reason nobody gave' };
      expect(verifyChain(added, KEY)).to.deep.include({ valid: false, brokenAt: 2 });
    });

    it('after the purge: the chain still verifies, shows the text as redacted, and keeps no trace of it', () => {
      const before = chain(5);
      const after = purged(before);
      expect(verifyChain(after, KEY)).to.deep.equal({ valid: true, length: 6 });
      expect(after[0]).to.include({ hash: before[0].hash, freeTextCommitment: before[0].freeTextCommitment });
      expect(after[0]).to.deep.include({ redacted: ['reason'] });
      expect(after[0]).not.to.have.any.keys('freeText', 'freeTextSalt');
      expect(after[1]).not.to.have.property('redacted');
      const shown = after.map(presentEntry);
      expect(shown[0].detail).not.to.have.property('reason');
      expect(shown[0].redacted).to.deep.equal(['reason']);
      expect(JSON.stringify(after)).not.to.include('called the customer');
      // A second purge changes nothing; tampering after it is still found.
      expect(after.map(redactEntry)).to.deep.equal(after);
      const tampered = clone(after);
      tampered[2].actor.id = 'rev_x';
      expect(verifyChain(tampered, KEY)).to.deep.include({ valid: false, brokenAt: 3 });
    });
  });

  describe('entries written before the chain was keyed', () => {
    it('hash as before: the SHA-256 formula of the old code', () => {
      for (const e of unkeyedChain(3)) expect(unkeyedHash(e)).to.equal(e.hash);
    });

    it('verify by SHA-256 when a keyed entry follows them, and are shown as unkeyed', () => {
      const old = unkeyedChain(3);
      const continued = chain(5, old);
      expect(continued[3].prevHash).to.equal(old[2].hash);
      expect(verifyChain(clone(continued), KEY)).to.deep.equal({ valid: true, length: 5 });
      expect(continued.map((e) => presentEntry(e).keyed)).to.deep.equal([false, false, false, true, true]);
      expect(presentEntry(old[0]).detail).to.include({ reason: 'called the customer, case 1' });
    });

    it('do not verify alone: nothing but SHA-256, which anyone can recompute, vouches for them', () => {
      const verdict = verifyChain(unkeyedChain(3), KEY);
      expect(verdict).to.deep.include({ valid: false, brokenAt: 1 });
      expect(verdict.valid === false && verdict.reason).to.match(/entries 1–3 are not keyed/);
    });

    it('are still checked entry by entry: an edit is found at its seq, and none may follow a keyed entry', () => {
      const edited = clone(chain(5, unkeyedChain(3)));
      edited[1].action = 'decision.reject';
      expect(verifyChain(edited, KEY)).to.deep.include({ valid: false, brokenAt: 2 });
      const keyedThenUnkeyed = chain(2);
      const f = fields(3);
      const late = { checkId: CHECK, seq: 3, at: f.at, actor: f.actor, action: f.action, detail: f.detail, prevHash: keyedThenUnkeyed[1].hash };
      keyedThenUnkeyed.push({ ...late, hash: unkeyedHash(late) });
      expect(verifyChain(keyedThenUnkeyed, KEY)).to.deep.include({ valid: false, brokenAt: 3, reason: 'an unkeyed entry after keyed ones' });
    });

    it('lose their free text to the purge and then verify by their links (their hash covered the text)', () => {
      const after = purged(unkeyedChain(3));
      expect(after[0].detail).not.to.have.property('reason');
      expect(after[0].redacted).to.deep.equal(['reason']);
      expect(JSON.stringify(after)).not.to.include('called the customer');
      expect(verifyChain(after, KEY)).to.deep.equal({ valid: true, length: 4 });
      const withoutPurge = clone(chain(4, unkeyedChain(3))).map((e, i) => (i === 0 ? redactEntry(e) : e));
      expect(verifyChain(withoutPurge, KEY)).to.deep.include({ valid: false, brokenAt: 1 });
    });
  });
});
