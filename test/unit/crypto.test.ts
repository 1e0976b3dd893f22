/** Tokens and pseudonyms: keyed, deterministic, and dependent only on their own secret. */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { pseudonym, tokenHash, verificationToken } from '../../lib/crypto';

describe('tokens and pseudonyms', () => {
  const secret = randomBytes(32);

  it('a verification token is 256 bits derived from the check and round: the same again, another per round', () => {
    const token = verificationToken(secret, 'chk_1', 1);
    expect(Buffer.from(token, 'base64url')).to.have.length(32);
    expect(verificationToken(Buffer.from(secret), 'chk_1', 1)).to.equal(token);
    expect(verificationToken(secret, 'chk_1', 2)).not.to.equal(token);
    expect(verificationToken(secret, 'chk_2', 1)).not.to.equal(token);
    expect(verificationToken(randomBytes(32), 'chk_1', 1)).not.to.equal(token);
    expect(tokenHash(token)).to.match(/^[0-9a-f]{64}$/).and.not.include(token);
  });

  it('a pseudonym is keyed and separates dimensions; it reveals nothing of the value', () => {
    const p = pseudonym(secret, 'email', 'ann@example.com');
    expect(p).to.match(/^[0-9a-f]{32}$/);
    expect(pseudonym(Buffer.from(secret), 'email', 'ann@example.com')).to.equal(p);
    expect(pseudonym(secret, 'device', 'ann@example.com')).not.to.equal(p);
    expect(pseudonym(randomBytes(32), 'email', 'ann@example.com')).not.to.equal(p);
    // Not a plain hash of the value: without the secret it cannot be recomputed from a guess.
    expect(pseudonym(Buffer.alloc(0), 'email', 'ann@example.com')).not.to.equal(p);
  });
});
