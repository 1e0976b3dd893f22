/** Velocity through HTTP: bursts on one card are seen, whatever the concurrency and however long the card's history. */
import { expect } from 'chai';
import mongoose from 'mongoose';
import { randomBytes } from 'node:crypto';
import { loadConfig } from '../../config';
import { pseudonym } from '../../lib/crypto';
import { dayBucket, velocityBuckets } from '../../activities/scoring';
import { call } from './client';
import { getHarness, type Harness } from './harness';
import { cleanOrder, uid } from '../fixtures/orders';

interface Reason {
  code: string;
  detail: string;
}

describe('velocity (integration)', function () {
  this.timeout(300_000);
  let h: Harness;
  const post = (json: unknown) => call(h.baseUrl, 'POST', '/v1/checks', { token: h.serviceKey, json });
  /** A clean order (its own email, device, IP and address) paid with `fingerprint`. */
  const onCard = (fingerprint: string) => {
    const order = cleanOrder();
    return { ...order, payment: { ...order.payment, card: { ...order.payment.card, fingerprint } } };
  };
  const cardVelocity = (body: { risk: { reasons: Reason[] } }) => body.risk.reasons.find((r) => r.code === 'CARD_VELOCITY');

  before(async function () {
    this.timeout(600_000);
    h = await getHarness();
  });

  it('16 parallel orders on one new card: at least the last 13 scored carry CARD_VELOCITY, in every trial', async () => {
    const trials = 10;
    const carried: number[] = [];
    for (let trial = 0; trial < trials; trial++) {
      const card = `fp_burst_${randomBytes(6).toString('hex')}`;
      const replies = await Promise.all(Array.from({ length: 16 }, () => post(onCard(card))));
      for (const r of replies) expect(r.status, JSON.stringify(r.body)).to.equal(201);
      carried.push(replies.filter((r) => cardVelocity(r.body)).length);
    }
    // The card's hour limit is 3 earlier orders: the k-th order to count sees the k-1 recorded before it.
    expect(carried.every((n) => n >= 13), `orders carrying CARD_VELOCITY per burst of 16: ${carried.join(', ')}`).to.equal(true);
  });

  it('a card whose history is past the read cap is saturated ("50 or more"), not counted from an arbitrary part', async () => {
    // 60 orders on the card more than a day ago, still in the bucket the counts read
    // (keys are filed under their day and the next): they fill any capped read.
    const card = `fp_hist_${randomBytes(6).toString('hex')}`;
    // The orders below must be decided on the same (UTC) day as the records are filed for.
    const untilMidnight = 86_400_000 - (Date.now() % 86_400_000);
    if (untilMidnight < 60_000) await new Promise((resolve) => setTimeout(resolve, untilMidnight + 1_000));
    const now = Date.now();
    const startOfYesterday = (dayBucket(now) - 1) * 86_400_000;
    const stale = Math.floor((startOfYesterday + (now - 86_400_000)) / 2);
    const key = pseudonym(loadConfig(h.env).pseudonymSecret, 'card', card);
    const db = await mongoose.createConnection(h.stack.mongodbUri).asPromise();
    try {
      await db.collection<{ _id: string }>('velocity').insertMany(
        Array.from({ length: 60 }, (_, i) => ({
          _id: uid('ord_old'),
          at: new Date(stale + i),
          card: velocityBuckets(key, stale),
        })),
      );
    } finally {
      await db.close();
    }

    // Then a burst today: the fourth order has three earlier ones within the hour.
    const replies = [];
    for (let i = 0; i < 4; i++) replies.push(await post(onCard(card)));
    const last = cardVelocity(replies[3].body);
    expect(last, JSON.stringify(replies[3].body.risk.reasons)).to.not.equal(undefined);
    expect(last!.detail).to.match(/50 or more/);
  });
});
