/** The receiver-side snippet in the README (examples/verify-webhook.js) verifies what the engine signs. */
import { expect } from 'chai';
import { signature } from '../../activities/webhooks';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { verifyWebhook } = require('../../examples/verify-webhook.js') as {
  verifyWebhook: (raw: string, header: string, secret: string, tolerance?: number, now?: number) => boolean;
};

describe('receiver-side webhook verification (README snippet)', () => {
  const secret = 'whsec-0123456789abcdef0123456789abcdef';
  const body = JSON.stringify({ id: 'chk_1.1', type: 'check.status_changed', sequence: 1, createdAt: '2026-12-02T10:00:00.000Z', data: { orderId: 'ord_1', status: 'approved' } });
  const now = Date.parse('2026-12-02T10:00:05Z');
  const t = Math.floor(now / 1000);

  it("accepts the engine's signature of the raw body", () => {
    expect(verifyWebhook(body, signature(secret, t, body), secret, 300, now)).to.equal(true);
  });

  it('refuses a changed body, another secret, an old timestamp, a malformed header', () => {
    const header = signature(secret, t, body);
    expect(verifyWebhook(body.replace('approved', 'rejected'), header, secret, 300, now)).to.equal(false);
    expect(verifyWebhook(body, header, 'another-secret-0123456789abcdef0123', 300, now)).to.equal(false);
    expect(verifyWebhook(body, header, secret, 300, now + 301_000)).to.equal(false);
    expect(verifyWebhook(body, header.replace(/v1=[0-9a-f]+/, 'v1=zz'), secret, 300, now)).to.equal(false);
    expect(verifyWebhook(body, '', secret, 300, now)).to.equal(false);
  });
});
