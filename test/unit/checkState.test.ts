/** The pure rules of a check's life: transitions, decisions, timers, presentation. */
import { expect } from 'chai';
import {
  allowedActions,
  allRequestedAccepted,
  applyTransition,
  canTransition,
  decidedState,
  decisionProblem,
  fulfilmentOf,
  isFinal,
  statuses,
  TransitionError,
  type CheckState,
} from '../../domain/check';
import { nextTimer } from '../../workflows/check';
import { presentCheck } from '../../lib/present';
import { verificationToken } from '../../lib/crypto';

const durations = { uploadDeadlineMs: 72 * 3_600_000, reminderIntervalMs: 24 * 3_600_000, reviewSlaMs: 4 * 3_600_000, retentionMs: 1, claimLeaseMs: 900_000 };
const t0 = '2026-11-25T10:00:00.000Z';

function state(action: 'approve' | 'verify' | 'review' | 'block', requested: ('identity' | 'address' | 'payment_ownership')[] = []): CheckState {
  return decidedState({
    checkId: 'chk_test',
    orderId: 'ord_test',
    risk: { score: 50, band: 'high', action, rulesetVersion: 'v', reasons: [], requested },
    createdAt: t0,
    uploadDeadlineMs: durations.uploadDeadlineMs,
    reviewSlaMs: durations.reviewSlaMs,
  });
}

describe('check state', () => {
  it('maps each scoring action to its first status and fulfilment', () => {
    expect(state('approve').status).to.equal('approved');
    expect(state('verify', ['identity']).status).to.equal('awaiting_documents');
    expect(state('review').status).to.equal('in_review');
    expect(state('block').status).to.equal('rejected');
    expect(statuses.map(fulfilmentOf)).to.deep.equal(['release', 'hold', 'hold', 'hold', 'cancel', 'cancel', 'cancel']);
  });

  it('allows exactly the transitions of the life of a check', () => {
    const allowed = Object.fromEntries(statuses.map((from) => [from, statuses.filter((to) => canTransition(from, to))]));
    expect(allowed).to.deep.equal({
      approved: [],
      awaiting_documents: ['awaiting_documents', 'in_review', 'expired', 'cancelled'],
      in_review: ['approved', 'awaiting_documents', 'escalated', 'rejected', 'cancelled'],
      escalated: ['approved', 'awaiting_documents', 'rejected', 'cancelled'],
      rejected: [],
      expired: [],
      cancelled: [],
    });
    for (const s of statuses) expect(isFinal(s)).to.equal(allowed[s].length === 0);
  });

  it('records who, when and why on every transition, and refuses the impossible', () => {
    const s = applyTransition(state('review'), 'approved', { at: t0, event: 'approved', actor: { type: 'reviewer', id: 'r1' }, reason: 'ok' });
    expect(s.timeline).to.have.length(2);
    expect(s.timeline[1]).to.deep.include({ seq: 2, from: 'in_review', to: 'approved', reason: 'ok' });
    expect(s.version).to.equal(2);
    expect(() => applyTransition(s, 'in_review', { at: t0, event: 'x', actor: { type: 'system' }, reason: '' })).to.throw(TransitionError);
  });

  it('starts the review SLA clock on cases that go straight to review', () => {
    expect(state('review').slaDueAt).to.equal('2026-11-25T14:00:00.000Z');
    expect(state('verify', ['identity']).slaDueAt).to.equal(null);
  });

  describe('decisions', () => {
    const now = Date.parse(t0);
    const claimed = (s: CheckState, assignee = 'r1'): CheckState => ({ ...s, claim: { assignee, role: 'reviewer', leaseExpiresAt: '2026-11-25T10:15:00.000Z' } });

    it('offers the actions of the status and role', () => {
      expect(allowedActions(state('review'), 'reviewer')).to.deep.equal(['approve', 'reject', 'request_documents', 'escalate']);
      expect(allowedActions(state('review'), 'senior')).to.include('report');
      expect(allowedActions({ ...state('review'), status: 'escalated' }, 'reviewer')).to.deep.equal([]);
      expect(allowedActions({ ...state('review'), status: 'escalated' }, 'admin')).to.deep.equal(['approve', 'reject', 'request_documents', 'report']);
      expect(allowedActions(state('approve'), 'admin')).to.deep.equal([]);
    });

    it('needs the claim, held and unexpired, by the decider', () => {
      const s = state('review');
      const ask = (x: CheckState, reviewerId = 'r1', at = now) => decisionProblem(x, { action: 'approve', reviewerId, role: 'reviewer', now: at })?.code;
      expect(ask(s)).to.equal('claim_required');
      expect(ask(claimed(s))).to.equal(undefined);
      expect(ask(claimed(s), 'r2')).to.equal('claim_required');
      expect(ask(claimed(s), 'r1', now + 16 * 60_000)).to.equal('claim_required');
    });

    it('refuses by state and role with the right code', () => {
      const s = claimed(state('review'));
      expect(decisionProblem(s, { action: 'report', reviewerId: 'r1', role: 'reviewer', now })?.code).to.equal('forbidden');
      const escalated = claimed({ ...s, status: 'escalated' });
      expect(decisionProblem(escalated, { action: 'approve', reviewerId: 'r1', role: 'reviewer', now })?.code).to.equal('forbidden');
      expect(decisionProblem(escalated, { action: 'escalate', reviewerId: 'r1', role: 'senior', now })?.code).to.equal('invalid_state');
      expect(decisionProblem(claimed(state('approve')), { action: 'approve', reviewerId: 'r1', role: 'admin', now })?.code).to.equal('invalid_state');
    });

    it('bounds rounds of documents and needs the kinds', () => {
      const s = claimed(state('review'));
      expect(decisionProblem(s, { action: 'request_documents', reviewerId: 'r1', role: 'reviewer', now })?.code).to.equal('invalid_request');
      expect(decisionProblem(s, { action: 'request_documents', requested: ['address'], reviewerId: 'r1', role: 'reviewer', now })).to.equal(undefined);
      const third = { ...s, verification: { round: 3, requested: ['address' as const], startedAt: t0, expiresAt: t0, remindersSent: 0 } };
      expect(decisionProblem(third, { action: 'request_documents', requested: ['address'], reviewerId: 'r1', role: 'reviewer', now })?.code).to.equal('invalid_state');
    });
  });

  it('is complete when every requested kind of the current round has an accepted document', () => {
    const s = state('verify', ['identity', 'address']);
    const doc = (kind: 'identity' | 'address', status: 'accepted' | 'rejected', round = 1) => ({
      documentId: `doc_${kind}_${status}_${round}`, kind, round, status, reason: null, uploadedAt: t0, flags: [], duplicates: [],
    });
    expect(allRequestedAccepted(s)).to.equal(false);
    expect(allRequestedAccepted({ ...s, documents: [doc('identity', 'accepted'), doc('address', 'rejected')] })).to.equal(false);
    expect(allRequestedAccepted({ ...s, documents: [doc('identity', 'accepted'), doc('address', 'accepted', 0)] })).to.equal(false);
    expect(allRequestedAccepted({ ...s, documents: [doc('identity', 'accepted'), doc('address', 'rejected'), doc('address', 'accepted')] })).to.equal(true);
  });

  it('derives the next timer: reminders before the deadline, then the deadline; the SLA in review; none when final', () => {
    const waiting = state('verify', ['identity']);
    expect(nextTimer(waiting, durations)).to.deep.equal({ kind: 'reminder', at: '2026-11-26T10:00:00.000Z' });
    const twice = { ...waiting, verification: { ...waiting.verification!, remindersSent: 2 } };
    expect(nextTimer(twice, durations)).to.deep.equal({ kind: 'upload_deadline', at: '2026-11-28T10:00:00.000Z' });
    expect(nextTimer(state('review'), durations)).to.deep.equal({ kind: 'review_sla', at: '2026-11-25T14:00:00.000Z' });
    expect(nextTimer(state('approve'), durations)).to.equal(undefined);
  });

  it('gives an escalated case its own SLA timer, once: none after the flag, none for checks started without one', () => {
    const review = state('review');
    const escalated = applyTransition(review, 'escalated', { at: t0, event: 'escalated', actor: { type: 'system' }, reason: 'x' });
    const due = { ...escalated, escalationDueAt: '2026-11-26T10:00:00.000Z' };
    expect(nextTimer(due, durations)).to.deep.equal({ kind: 'escalation_sla', at: '2026-11-26T10:00:00.000Z' });
    expect(nextTimer({ ...due, escalationOverdueAt: '2026-11-26T10:00:01.000Z' }, durations)).to.equal(undefined);
    // A check from before escalations had an SLA: its state has no due time.
    const { escalationDueAt: _d, escalationOverdueAt: _o, ...older } = escalated;
    expect(nextTimer(older as CheckState, durations)).to.equal(undefined);
  });

  it('presents a check as API.md says, deriving the token only while documents are awaited', () => {
    const secret = Buffer.alloc(32, 7);
    const view = presentCheck(state('verify', ['identity']), { publicUrl: 'https://shop.example', tokenSecret: secret }, true);
    const token = verificationToken(secret, 'chk_test', 1);
    expect(view.verification).to.deep.equal({
      requested: ['identity'],
      token,
      uploadUrl: `https://shop.example/verify/${token}`,
      expiresAt: '2026-11-28T10:00:00.000Z',
    });
    expect(view.timeline![0]).to.not.have.property('seq');
    expect(presentCheck(state('approve'), { publicUrl: 'x', tokenSecret: secret }).verification).to.equal(null);
    expect(verificationToken(secret, 'chk_test', 2)).to.not.equal(token);
  });
});
