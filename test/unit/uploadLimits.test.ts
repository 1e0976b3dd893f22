/** The upload limits' arithmetic: the in-flight byte budget and the fixed-window limiter's check. */
import { expect } from 'chai';
import type { Request } from 'express';
import { ApiError } from '../../api/errors';
import { InFlightBytes } from '../../api/inFlightBytes';
import { fixedWindowLimiter } from '../../api/rateLimit';

const request = (contentLength?: string) => ({ headers: contentLength === undefined ? {} : { 'content-length': contentLength } }) as unknown as Request;

function refusal(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (error) {
    expect(error).to.be.instanceOf(ApiError);
    return error as ApiError;
  }
  throw new Error('expected an ApiError');
}

describe('upload limits', () => {
  describe('in-flight byte budget', () => {
    it('reserves declared lengths until the budget is used, then answers 503 with retryAfterSeconds', () => {
      const budget = new InFlightBytes(100, 50, 7);
      const a = budget.reserve(request('30'));
      const b = budget.reserve(request('30'));
      expect(budget.inUse).to.equal(60);
      const full = refusal(() => budget.reserve(request('41')));
      expect(full).to.include({ status: 503, code: 'temporarily_unavailable' });
      expect(full.details).to.deep.equal({ retryAfterSeconds: 7 });
      budget.reserve(request('40')); // exactly fits
      a.release();
      a.release(); // twice is once
      b.release();
      expect(budget.inUse).to.equal(40);
    });

    it('reserves the most a request may send when its length is unknown, or larger than that', () => {
      const budget = new InFlightBytes(1000, 40);
      expect(budget.reserve(request()).bytes).to.equal(40);
      expect(budget.reserve(request('not a number')).bytes).to.equal(40);
      expect(budget.reserve(request(String(10 ** 12))).bytes).to.equal(40);
      expect(budget.inUse).to.equal(120);
    });
  });

  describe('fixed-window limiter', () => {
    it('check() refuses a key that used up its window without counting; other keys are untouched', () => {
      const limit = fixedWindowLimiter({ limit: 2, windowMs: 60_000, what: 'things' });
      limit.check('a');
      limit('a');
      limit.check('a');
      limit('a');
      const refused = refusal(() => limit.check('a'));
      expect(refused).to.include({ status: 429, code: 'rate_limited' });
      expect(refused.message).to.include('too many things');
      expect((refused.details as { retryAfterSeconds: number }).retryAfterSeconds).to.be.within(1, 60);
      limit.check('b');
      expect(refusal(() => limit('a')).status).to.equal(429);
    });
  });
});
