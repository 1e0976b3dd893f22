/** The reducer of a check's life (domain/checkReducer.ts): every event, its effects, its refusals. */
import { expect } from 'chai';
import { decidedState, type CheckState, type DocumentState } from '../../domain/check';
import {
  cancelRefusal,
  claimRefusal,
  decisionRefusal,
  MAX_DOCUMENTS_PER_ROUND,
  nextRound,
  reduce,
  uploadRefusal,
  type CheckEvent,
  type Clock,
  type Outcome,
} from '../../domain/checkReducer';
import { ruleset } from '../../scoring/rules';

const t0 = Date.parse('2026-12-02T10:00:00.000Z');
const HOUR = 3_600_000;
const durations = { reviewSlaMs: 4 * HOUR, claimLeaseMs: 15 * 60_000, escalationSlaMs: 24 * HOUR };
const at = (ms: number): Clock => ({ now: ms, durations });
const iso = (ms: number) => new Date(ms).toISOString();
const reviewer = { type: 'reviewer' as const, id: 'rev_1', role: 'reviewer' };
const senior = { type: 'reviewer' as const, id: 'sen_1', role: 'senior' };

function decided(action: 'verify' | 'review' | 'approve', score = 40): CheckState {
  return decidedState({
    checkId: 'chk_1',
    orderId: 'ord_1',
    risk: { score, band: 'medium', action, rulesetVersion: ruleset.version, reasons: [{ code: 'HIGH_VALUE', points: 10, detail: 'x' }], requested: ['identity'] },
    createdAt: iso(t0),
    uploadDeadlineMs: 72 * HOUR,
    reviewSlaMs: durations.reviewSlaMs,
  });
}

function ok(outcome: Outcome): Extract<Outcome, { ok: true }> {
  if (!outcome.ok) throw new Error(`refused: ${outcome.refusal.code} ${outcome.refusal.message}`);
  return outcome;
}

/** Applies events one after another, a minute apart. */
function run(state: CheckState, ...events: CheckEvent[]): { state: CheckState; effects: string[][] } {
  const effects: string[][] = [];
  events.forEach((event, i) => {
    const next = ok(reduce(state, event, at(t0 + (i + 1) * 60_000)));
    state = next.state;
    effects.push(next.effects.map((e) => e.type));
  });
  return { state, effects };
}

const upload = (documentId: string, kind: 'identity' | 'address' = 'identity', round = 1): CheckEvent => ({
  type: 'document_received',
  document: { documentId, kind, round, uploadedAt: iso(t0) },
});
const processed = (document: DocumentState, status: 'accepted' | 'rejected', duplicates: { orderId: string; checkId: string; documentId: string }[] = []): CheckEvent => ({
  type: 'document_processed',
  document,
  result: { status, reason: status === 'rejected' ? 'blurry' : null, flags: [], duplicates: duplicates.map((d) => ({ ...d, distance: 0, exact: true })) },
  duplicateRule: { code: 'DUPLICATE_DOCUMENT', points: 30, bands: ruleset.bands },
});

describe('check reducer', () => {
  it('an upload is recorded as processing and sent to the documents queue', () => {
    const { state, effects } = run(decided('verify'), upload('doc_1'));
    expect(state.documents).to.deep.equal([
      { documentId: 'doc_1', kind: 'identity', round: 1, status: 'processing', reason: null, uploadedAt: iso(t0), flags: [], duplicates: [] },
    ]);
    expect(state.version).to.equal(2);
    expect(state.updatedAt).to.equal(iso(t0 + 60_000));
    expect(effects).to.deep.equal([['process_document']]);
  });

  it('every requested document accepted: in review, with the review SLA running', () => {
    const first = run(decided('verify'), upload('doc_1'));
    const { state, effects } = run(first.state, processed(first.state.documents[0], 'accepted'));
    expect(state.status).to.equal('in_review');
    expect(state.timeline.at(-1)).to.deep.include({ event: 'documents_received', from: 'awaiting_documents', to: 'in_review' });
    expect(state.slaDueAt).to.equal(iso(t0 + 60_000 + durations.reviewSlaMs));
    expect(state.verification?.round).to.equal(1);
    expect(effects).to.deep.equal([['status_changed']]);
  });

  it('a rejected document leaves the check waiting', () => {
    const first = run(decided('verify'), upload('doc_1'));
    const { state, effects } = run(first.state, processed(first.state.documents[0], 'rejected'));
    expect(state.status).to.equal('awaiting_documents');
    expect(state.documents[0]).to.deep.include({ status: 'rejected', reason: 'blurry' });
    expect(effects).to.deep.equal([[]]);
  });

  it("a duplicate tells the other check, adds the ruleset's DUPLICATE_DOCUMENT once and re-bands the score", () => {
    const first = run(decided('verify', 40), upload('doc_1'), upload('doc_2', 'identity'));
    const [d1, d2] = first.state.documents;
    const other = { orderId: 'ord_2', checkId: 'chk_2', documentId: 'doc_9' };
    const a = ok(reduce(first.state, processed(d1, 'rejected', [other]), at(t0 + HOUR)));
    expect(a.effects).to.deep.equal([
      { type: 'report_duplicate', orderId: 'ord_2', documentId: 'doc_9', match: { checkId: 'chk_1', documentId: 'doc_1', distance: 0, exact: true } },
    ]);
    expect(a.state.documents[0].duplicates).to.deep.equal([{ checkId: 'chk_2', documentId: 'doc_9', distance: 0, exact: true }]); // no order id in the state
    expect(a.state.risk).to.deep.include({ score: 70, band: 'high' });
    expect(a.state.risk.reasons.map((r) => [r.code, r.points])).to.deep.equal([
      ['DUPLICATE_DOCUMENT', 30],
      ['HIGH_VALUE', 10],
    ]);
    expect(a.state.risk.reasons[0].detail).to.equal('a identity document matches one on 1 other check(s)');
    expect(a.state.version).to.equal(first.state.version + 2);
    const b = ok(reduce(a.state, processed(d2, 'rejected', [other]), at(t0 + 2 * HOUR)));
    expect(b.state.risk.score).to.equal(70); // once per check
  });

  it('the points are the rule\'s, and the score stops at 100', () => {
    const first = run(decided('verify', 90), upload('doc_1'));
    const event = processed(first.state.documents[0], 'rejected', [{ orderId: 'ord_2', checkId: 'chk_2', documentId: 'doc_9' }]);
    const heavier = { ...event, duplicateRule: { code: 'DUPLICATE_DOCUMENT', points: 45, bands: ruleset.bands } } as CheckEvent;
    const { state } = ok(reduce(first.state, heavier, at(t0 + HOUR)));
    expect(state.risk).to.deep.include({ score: 100, band: 'critical' });
    expect(state.risk.reasons[0]).to.deep.include({ code: 'DUPLICATE_DOCUMENT', points: 45 });
  });

  it("another check's report flags the document once; an unknown document changes nothing", () => {
    const first = run(decided('verify'), upload('doc_1'));
    const match = { checkId: 'chk_2', documentId: 'doc_9', distance: 3, exact: false };
    const flagged = run(first.state, { type: 'duplicate_reported', documentId: 'doc_1', match });
    expect(flagged.state.documents[0]).to.deep.include({ flags: ['duplicate'], duplicates: [match] });
    const again = run(flagged.state, { type: 'duplicate_reported', documentId: 'doc_1', match });
    expect(again.state).to.equal(flagged.state);
    const unknown = run(first.state, { type: 'duplicate_reported', documentId: 'doc_x', match });
    expect(unknown.state).to.equal(first.state);
  });

  it('a claim takes a lease and is audited', () => {
    const { state } = ok(reduce(decided('review'), { type: 'claimed', reviewerId: 'rev_1', role: 'reviewer' }, at(t0)));
    expect(state.claim).to.deep.equal({ assignee: 'rev_1', role: 'reviewer', leaseExpiresAt: iso(t0 + durations.claimLeaseMs) });
    const effects = ok(reduce(decided('review'), { type: 'claimed', reviewerId: 'rev_1', role: 'reviewer' }, at(t0))).effects;
    expect(effects).to.deep.equal([
      { type: 'audit', at: iso(t0), actor: reviewer, action: 'case.claimed', detail: { leaseExpiresAt: iso(t0 + durations.claimLeaseMs) } },
    ]);
  });

  for (const [action, status, event] of [
    ['approve', 'approved', 'approved'],
    ['reject', 'rejected', 'rejected'],
    ['report', 'rejected', 'reported'],
    ['escalate', 'escalated', 'escalated'],
  ] as const) {
    it(`${action}: ${status}, the claim ended, one status change`, () => {
      const claimed = run(decided('review'), { type: 'claimed', reviewerId: 'sen_1', role: 'senior' }).state;
      const out = ok(reduce(claimed, { type: 'decided', action, actor: senior, reason: 'why' }, at(t0 + HOUR)));
      expect(out.state.status).to.equal(status);
      expect(out.state.timeline.at(-1)).to.deep.include({ event, actor: senior, reason: 'why' });
      expect(out.state.claim).to.equal(null);
      expect(out.state.slaDueAt).to.equal(null);
      expect(out.state.escalationDueAt).to.equal(action === 'escalate' ? iso(t0 + HOUR + durations.escalationSlaMs) : null);
      expect(out.effects).to.deep.equal([{ type: 'status_changed' }]);
    });
  }

  it('an escalation without an SLA (checks started before it) has no due time', () => {
    const out = ok(reduce(decided('review'), { type: 'decided', action: 'escalate', actor: senior, reason: 'r' }, { now: t0, durations: { reviewSlaMs: 1, claimLeaseMs: 1 } }));
    expect(out.state.escalationDueAt).to.equal(null);
  });

  it('request_documents opens the next round (kinds once each) and e-mails the customer', () => {
    const s = decided('review');
    const round = nextRound(s, ['address', 'address', 'identity'], t0, 72 * HOUR);
    expect(round).to.deep.equal({ round: 1, requested: ['address', 'address', 'identity'], startedAt: iso(t0), expiresAt: iso(t0 + 72 * HOUR) });
    const out = ok(reduce(s, { type: 'documents_requested', round, actor: reviewer, reason: 'proof' }, at(t0 + 1000)));
    expect(out.state.status).to.equal('awaiting_documents');
    expect(out.state.verification).to.deep.equal({ ...round, requested: ['address', 'identity'], remindersSent: 0 });
    expect(out.effects).to.deep.equal([{ type: 'status_changed' }, { type: 'send_verification_email', reminder: 0 }]);
  });

  it('a transition that no longer applies is refused, naming the change', () => {
    const approved = run(decided('review'), { type: 'decided', action: 'approve', actor: reviewer, reason: 'ok' }).state;
    const out = reduce(approved, { type: 'documents_requested', round: nextRound(approved, ['identity'], t0, 1), actor: reviewer, reason: 'r' }, at(t0));
    expect(out).to.deep.equal({ ok: false, refusal: { code: 'invalid_state', message: 'a check that is approved cannot become awaiting_documents (it changed meanwhile)' } });
  });

  it('cancel: once; a second cancel answers with the first; a check that ended otherwise refuses', () => {
    const cancelled = run(decided('verify'), { type: 'cancelled', actor: { type: 'service' }, reason: 'customer' });
    expect(cancelled.state.status).to.equal('cancelled');
    expect(cancelled.state.verification).to.equal(null);
    expect(cancelled.effects).to.deep.equal([['status_changed']]);
    const again = ok(reduce(cancelled.state, { type: 'cancelled', actor: { type: 'service' }, reason: 'again' }, at(t0)));
    expect(again.state).to.equal(cancelled.state);
    expect(again.effects).to.deep.equal([]);
    const approved = run(decided('approve')).state;
    expect(reduce(approved, { type: 'cancelled', actor: { type: 'service' }, reason: 'x' }, at(t0))).to.deep.equal({
      ok: false,
      refusal: { code: 'invalid_state', message: 'the check already ended approved' },
    });
  });

  it('timers: a reminder counts and e-mails; the deadline expires; the SLA escalates; the escalation SLA flags overdue', () => {
    const reminded = run(decided('verify'), { type: 'reminder_due' }, { type: 'reminder_due' });
    expect(reminded.state.verification?.remindersSent).to.equal(2);
    expect(ok(reduce(reminded.state, { type: 'reminder_due' }, at(t0))).effects).to.deep.equal([{ type: 'send_verification_email', reminder: 3 }]);

    const expired = run(decided('verify'), { type: 'upload_deadline_passed' }).state;
    expect(expired.status).to.equal('expired');
    expect(expired.timeline.at(-1)).to.deep.include({ event: 'expired', actor: { type: 'system' } });

    const escalated = run(decided('review'), { type: 'review_sla_passed' }).state;
    expect(escalated.timeline.at(-1)).to.deep.include({ event: 'sla_escalated', to: 'escalated' });
    expect(escalated.escalationDueAt).to.equal(iso(t0 + 60_000 + durations.escalationSlaMs));

    const overdue = ok(reduce(escalated, { type: 'escalation_sla_passed' }, at(t0 + 2 * HOUR)));
    expect(overdue.state.status).to.equal('escalated');
    expect(overdue.state.escalationOverdueAt).to.equal(iso(t0 + 2 * HOUR));
    const detail = { escalatedAt: iso(t0 + 60_000), dueAt: escalated.escalationDueAt };
    expect(overdue.effects).to.deep.equal([
      { type: 'audit', at: iso(t0 + 2 * HOUR), actor: { type: 'system' }, action: 'escalation.overdue', detail },
      { type: 'escalation_overdue', at: iso(t0 + 2 * HOUR), ...detail, eventId: 'chk_1.2.overdue' },
    ]);
  });

  it('never changes the state it was given', () => {
    const s = decided('verify');
    const frozen = JSON.stringify(s);
    run(s, upload('doc_1'), { type: 'reminder_due' }, { type: 'cancelled', actor: { type: 'service' }, reason: 'r' });
    expect(JSON.stringify(s)).to.equal(frozen);
  });
});

describe("check reducer: the validators' rules", () => {
  const waiting = decided('verify');
  const doc = { documentId: 'doc_1', kind: 'identity' as const, round: 1 };

  it('uploads: only while waiting for this round and kind, at most a dozen per round', () => {
    expect(uploadRefusal(waiting, doc, undefined)).to.equal(undefined);
    expect(uploadRefusal(waiting, doc, 'the order is being cancelled')).to.deep.equal({ code: 'invalid_state', message: 'the order is being cancelled' });
    expect(uploadRefusal(waiting, { ...doc, round: 2 }, undefined)?.code).to.equal('invalid_state');
    expect(uploadRefusal(undefined, doc, undefined)?.code).to.equal('invalid_state');
    expect(uploadRefusal(waiting, { ...doc, kind: 'address' as never }, undefined)).to.deep.equal({
      code: 'invalid_request',
      message: '"address" was not requested (requested: identity)',
    });
    let full = waiting;
    for (let i = 0; i < MAX_DOCUMENTS_PER_ROUND; i++) full = run(full, upload(`doc_${i}`)).state;
    expect(uploadRefusal(full, { ...doc, documentId: 'doc_new' }, undefined)?.message).to.equal('no more than 12 uploads per request');
    expect(uploadRefusal(full, { ...doc, documentId: 'doc_3' }, undefined)).to.equal(undefined); // a retried call
  });

  it('claims: only cases in review; escalated ones for seniors; a live lease of another holds except for admins', () => {
    const review = decided('review');
    expect(claimRefusal(waiting, { reviewerId: 'r', role: 'reviewer' }, undefined, t0)).to.deep.equal({
      code: 'invalid_state',
      message: 'a case that is awaiting_documents cannot be claimed',
    });
    expect(claimRefusal(undefined, { reviewerId: 'r', role: 'reviewer' }, undefined, t0)?.message).to.equal('a case that is being scored cannot be claimed');
    expect(claimRefusal(review, { reviewerId: 'r', role: 'reviewer' }, 'busy', t0)).to.deep.equal({ code: 'invalid_state', message: 'busy' });
    const escalated = run(review, { type: 'review_sla_passed' }).state;
    expect(claimRefusal(escalated, { reviewerId: 'r', role: 'reviewer' }, undefined, t0)?.code).to.equal('forbidden');
    expect(claimRefusal(escalated, { reviewerId: 's', role: 'senior' }, undefined, t0)).to.equal(undefined);
    const held = run(review, { type: 'claimed', reviewerId: 'rev_1', role: 'reviewer' }).state;
    expect(claimRefusal(held, { reviewerId: 'rev_2', role: 'senior' }, undefined, t0 + 60_000)?.code).to.equal('already_claimed');
    expect(claimRefusal(held, { reviewerId: 'rev_1', role: 'reviewer' }, undefined, t0 + 60_000)).to.equal(undefined);
    expect(claimRefusal(held, { reviewerId: 'adm', role: 'admin' }, undefined, t0 + 60_000)).to.equal(undefined);
    expect(claimRefusal(held, { reviewerId: 'rev_2', role: 'reviewer' }, undefined, t0 + HOUR)).to.equal(undefined); // the lease ran out
  });

  it('decisions: a reason, nothing under way, then the decision rules', () => {
    const held = run(decided('review'), { type: 'claimed', reviewerId: 'rev_1', role: 'reviewer' }).state;
    const request = { action: 'approve' as const, reason: 'fine', reviewerId: 'rev_1', role: 'reviewer' };
    expect(decisionRefusal(held, request, undefined, t0 + 120_000)).to.equal(undefined);
    expect(decisionRefusal(undefined, request, undefined, t0)?.message).to.equal('the check is being scored');
    expect(decisionRefusal(held, { ...request, reason: '  ' }, undefined, t0)).to.deep.equal({ code: 'invalid_request', message: 'a reason is required' });
    expect(decisionRefusal(held, request, 'another decision is being applied (request_documents); try again', t0)?.code).to.equal('invalid_state');
    expect(decisionRefusal(held, { ...request, reviewerId: 'rev_2' }, undefined, t0)?.code).to.equal('claim_required');
  });

  it('cancel: refused only once the check ended otherwise', () => {
    expect(cancelRefusal(undefined)).to.equal(undefined);
    expect(cancelRefusal(waiting)).to.equal(undefined);
    expect(cancelRefusal(run(waiting, { type: 'cancelled', actor: { type: 'service' }, reason: 'r' }).state)).to.equal(undefined);
    expect(cancelRefusal(run(waiting, { type: 'upload_deadline_passed' }).state)?.message).to.equal('the check already ended expired');
  });
});
