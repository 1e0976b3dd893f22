/** Velocity counts from a capped read: exact below the cap, saturated at it, never fewer. */
import { expect } from 'chai';
import { DAY_MS, HOUR_MS, VELOCITY_CAP, saturated, windowCounts } from '../../scoring/velocity';
import { assess } from '../../scoring';
import { emptyVelocity, type ScoreInput } from '../../scoring/types';
import { limits } from '../../scoring/rules';

const AT = Date.parse('2026-11-24T12:00:00Z');
const minutesAgo = (m: number) => AT - m * 60_000;

describe('velocity window counts', () => {
  it('counts exactly what a read below the cap returned, by window', () => {
    const times = [minutesAgo(1), minutesAgo(59), minutesAgo(61), minutesAgo(23 * 60), minutesAgo(24 * 60 + 1), minutesAgo(40 * 60)];
    expect(windowCounts(times, AT)).to.deep.equal({ hour: 2, day: 4 });
  });

  it('leaves out the window edges: exactly an hour or a day ago is outside', () => {
    expect(windowCounts([AT - HOUR_MS, AT - DAY_MS], AT)).to.deep.equal({ hour: 0, day: 1 });
  });

  it('counts orders recorded after this one was placed: a burst arriving together', () => {
    expect(windowCounts([AT + 5, AT + 1_500, minutesAgo(2)], AT)).to.deep.equal({ hour: 3, day: 3 });
  });

  it('an empty history is zero', () => {
    expect(windowCounts([], AT)).to.deep.equal({ hour: 0, day: 0 });
  });

  it('one short of the cap is still exact', () => {
    const times = Array.from({ length: VELOCITY_CAP - 1 }, () => minutesAgo(30 * 60));
    expect(windowCounts(times, AT)).to.deep.equal({ hour: 0, day: 0 });
  });

  it('at the cap both windows are saturated, whichever entries the read happened to return', () => {
    // A hot card's oldest entries, all outside the day: counting them would say 0.
    const stale = Array.from({ length: VELOCITY_CAP }, (_, i) => minutesAgo(30 * 60 + i));
    const counts = windowCounts(stale, AT);
    expect(counts).to.deep.equal({ hour: VELOCITY_CAP, day: VELOCITY_CAP });
    expect(saturated(counts)).to.equal(true);
    expect(saturated({ hour: VELOCITY_CAP - 1, day: VELOCITY_CAP - 1 })).to.equal(false);
  });

  it('a smaller cap saturates there', () => {
    expect(windowCounts([AT - 1, AT - 2, AT - 3], AT, 3)).to.deep.equal({ hour: 3, day: 3 });
  });

  it('every velocity limit is below the cap, so a saturated value always fires its rule', () => {
    for (const limit of Object.values(limits.velocity)) {
      expect(limit.hour).to.be.below(VELOCITY_CAP);
      expect(limit.day).to.be.below(VELOCITY_CAP);
    }
  });
});

describe('velocity rules on saturated counts', () => {
  const input = (velocity = emptyVelocity()): ScoreInput => ({
    order: { orderId: 'ord_1', amount: 1000, currency: 'USD', customer: { email: 'a@example.com' }, items: [{ quantity: 1, unitAmount: 1000 }] },
    velocity,
    blocklistHits: [],
    now: new Date(AT).toISOString(),
  });

  it('fires and says "50 or more", never a count', () => {
    const velocity = emptyVelocity();
    velocity.card = windowCounts(Array.from({ length: VELOCITY_CAP }, (_, i) => minutesAgo(30 * 60 + i)), AT);
    const reason = assess(input(velocity)).reasons.find((r) => r.code === 'CARD_VELOCITY');
    expect(reason?.detail).to.equal(`${VELOCITY_CAP} or more other orders with this card since yesterday (too many to count by the hour)`);
  });

  it('below the cap, says the exact counts', () => {
    const velocity = emptyVelocity();
    velocity.ip = { hour: 5, day: 7 };
    const reason = assess(input(velocity)).reasons.find((r) => r.code === 'IP_VELOCITY');
    expect(reason?.detail).to.equal('5 earlier orders with this IP address in the last hour, 7 in the last day');
  });
});
