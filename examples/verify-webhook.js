// Verifies the engine's webhook signature on the receiver's side (Node ≥ 18, no dependency).
// Use the raw body exactly as received: a re-serialised JSON object will not match.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- a CommonJS snippet for receivers to copy
const { createHmac, timingSafeEqual } = require('node:crypto');

/**
 * @param {string} rawBody   the request body, as received (UTF-8)
 * @param {string} header    the X-Signature header: t=<unix seconds>,v1=<hex HMAC-SHA256>
 * @param {string} secret    WEBHOOK_SECRET
 * @param {number} toleranceSeconds  refuse older (or future) timestamps: a replay window
 * @returns {boolean}
 */
function verifyWebhook(rawBody, header, secret, toleranceSeconds = 300, now = Date.now()) {
  const parts = Object.fromEntries(String(header).split(',').map((p) => p.trim().split('=', 2)));
  const t = Number(parts.t);
  if (!Number.isInteger(t) || !/^[0-9a-f]{64}$/.test(parts.v1 ?? '')) return false;
  if (Math.abs(now / 1000 - t) > toleranceSeconds) return false;
  const expected = createHmac('sha256', secret).update(`${t}.${rawBody}`).digest();
  return timingSafeEqual(expected, Buffer.from(parts.v1, 'hex'));
}

module.exports = { verifyWebhook };

// An express receiver, for instance:
//   app.post('/hooks/fraud', express.raw({ type: 'application/json' }), (req, res) => {
//     const raw = req.body.toString('utf8');
//     if (!verifyWebhook(raw, req.get('x-signature'), process.env.WEBHOOK_SECRET)) return res.sendStatus(400);
//     const event = JSON.parse(raw);
//     // deduplicate on event.id; apply only if event.sequence is above the last one applied for event.data.orderId
//     res.sendStatus(204);
//   });
