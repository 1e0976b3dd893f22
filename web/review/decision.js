/*
 * Claim and decision, on the case's side panel. What the case can take now is the
 * API's answer (`allowedActions` on the case, from domain/check.ts and the caller's
 * role); which actions to offer at all is the caller's permissions (`decision.<action>`,
 * from GET /v1/review/me). The server checks both again on every call.
 */
/* global document */
import { api, casePath } from './api.js';
import { loadCase, renderCase } from './case.js';
import { $, flash, h, section } from './dom.js';
import { timeFmt, toDate } from './format.js';
import { ACTIONS, KIND_LABELS, KIND_ORDER, statusLabel } from './labels.js';
import { loadQueue } from './queue.js';
import { can, myId } from './session.js';
import { state } from './state.js';

/** The actions the server says this case can take now, for this caller. */
function allowedActions(data) {
  return Array.isArray(data.allowedActions) ? data.allowedActions : [];
}

function claimIsMine(claim) {
  return Boolean(claim && claim.assignee && claim.assignee === myId() && (!claim.leaseExpiresAt || toDate(claim.leaseExpiresAt) > new Date()));
}

// ------------------------------------------------------------------ claim

export function claimSection(data) {
  const k = state.kase;
  const claim = data.claim;
  const active = claim && claim.assignee && (!claim.leaseExpiresAt || toDate(claim.leaseExpiresAt) > new Date());
  const mine = claimIsMine(claim);
  const open = allowedActions(data).length > 0 || data.status === 'in_review' || data.status === 'escalated';

  let holder;
  if (!claim || !claim.assignee) holder = h('span', {}, 'Not claimed.');
  else {
    holder = h(
      'span',
      {},
      active ? 'Claimed by ' : 'Was claimed by ',
      h('strong', {}, claim.assignee === myId() ? 'you' : claim.assignee),
      ' ',
      claim.leaseExpiresAt ? h('span', { 'data-lease-until': claim.leaseExpiresAt }) : null,
    );
  }
  return section(
    'Claim',
    h('p', { id: 'claim-holder', className: 'claim-holder' }, holder),
    h(
      'button',
      { type: 'button', id: 'claim', className: `btn ${mine ? '' : 'btn-primary'}`, disabled: !open || !can('case.claim') || k.busy, onclick: claimCase, title: 'Claim (c)' },
      mine && open ? 'Extend claim' : 'Claim',
      h('kbd', { className: 'key-hint', 'aria-hidden': 'true' }, 'c'),
    ),
    open ? null : h('p', { className: 'muted small' }, data.status === 'awaiting_documents' ? 'Waiting for the customer’s documents.' : 'This case is closed.'),
    h('p', { id: 'claim-error', className: 'field-error', role: 'alert' }, k.claimError),
  );
}

export async function claimCase() {
  const k = state.kase;
  if (!k.data || k.busy) return;
  const seq = k.seq;
  k.claimError = '';
  k.busy = true;
  try {
    const claim = await api(`${casePath(k.id)}/claim`, { method: 'POST' });
    if (seq !== k.seq) return;
    k.data.claim = claim;
    flash(`Claimed ${k.data.orderId || k.id} until ${claim && claim.leaseExpiresAt ? timeFmt.format(new Date(claim.leaseExpiresAt)) : '—'}.`, 'ok');
    loadQueue({ keepCount: true });
  } catch (err) {
    if (seq !== k.seq) return;
    k.claimError = err.message;
    if (err.status === 409) loadCase(); // show who holds it now
  } finally {
    if (seq === k.seq) k.busy = false;
  }
  if (seq === k.seq) renderCase();
}

// ------------------------------------------------------------------ decision

export function decisionSection(data) {
  const k = state.kase;
  const allowed = allowedActions(data);
  const offered = Object.keys(ACTIONS).filter((name) => can(`decision.${name}`));
  if (k.action && !allowed.includes(k.action)) k.action = null;

  const buttons = offered.map((name) => {
    const a = ACTIONS[name];
    const enabled = allowed.includes(name);
    return h(
      'button',
      {
        type: 'button',
        className: `btn decision-btn ${k.action === name ? a.tone || 'btn-primary' : ''}`,
        'data-decision': name,
        'aria-pressed': String(k.action === name),
        disabled: !enabled,
        title: enabled ? (a.key ? `${a.label} (${a.key})` : a.label) : `Not available while the case is ${statusLabel(data.status).toLowerCase()}`,
        onclick: () => chooseAction(name),
      },
      a.label,
      a.key ? h('kbd', { className: 'key-hint', 'aria-hidden': 'true' }, a.key) : null,
    );
  });

  const hints = [];
  if (allowed.length && !claimIsMine(data.claim)) hints.push('Claim the case before deciding (press c).');
  if (data.status === 'escalated' && !can('decision.on_escalated')) hints.push('Escalated cases are decided by senior reviewers; your role cannot decide them.');

  const kinds = h(
    'fieldset',
    { className: 'kinds', hidden: k.action !== 'request_documents' },
    h('legend', {}, 'Documents to request'),
    KIND_ORDER.map((kind) =>
      h(
        'label',
        { className: 'check' },
        h('input', {
          type: 'checkbox',
          name: 'requested',
          value: kind,
          checked: k.requested.has(kind),
          onchange: (e) => (e.target.checked ? k.requested.add(kind) : k.requested.delete(kind)),
        }),
        ` ${KIND_LABELS[kind]}`,
      ),
    ),
  );

  const reason = h('textarea', { id: 'reason', rows: '3', required: true, 'aria-describedby': 'decision-error', oninput: (e) => (k.reason = e.target.value) });
  reason.value = k.reason;

  const chosen = k.action ? ACTIONS[k.action] : null;
  return section(
    'Decision',
    h('div', { className: 'decision-buttons', role: 'group', 'aria-label': 'Action' }, buttons),
    hints.length ? h('p', { id: 'decision-hint', className: 'muted small hint' }, hints.join(' ')) : null,
    kinds,
    h('label', { for: 'reason', className: 'reason-label' }, 'Reason ', h('span', { className: 'muted small' }, '(required, kept in the audit trail)')),
    reason,
    h('p', { id: 'decision-error', className: 'field-error', role: 'alert' }, k.decisionError),
    h(
      'button',
      { type: 'button', id: 'submit-decision', className: `btn ${chosen ? chosen.tone || 'btn-primary' : 'btn-primary'}`, disabled: !chosen || k.busy, onclick: submitDecision },
      k.busy ? 'Sending…' : chosen ? chosen.submit : 'Choose an action',
    ),
  );
}

export function chooseAction(name) {
  const k = state.kase;
  if (!k.data || !allowedActions(k.data).includes(name)) {
    flash(`${ACTIONS[name].label} is not available for this case now.`, 'error');
    return;
  }
  k.action = name;
  k.decisionError = '';
  renderCase();
  const first = name === 'request_documents' && k.requested.size === 0 ? document.querySelector('#case .kinds input') : $('reason');
  if (first) first.focus();
}

async function submitDecision() {
  const k = state.kase;
  if (!k.data || !k.action || k.busy) return;
  const reasonEl = $('reason');
  k.reason = reasonEl ? reasonEl.value : k.reason;
  const reason = k.reason.trim();
  const body = { action: k.action, reason };
  if (k.action === 'request_documents') {
    body.requested = KIND_ORDER.filter((kind) => k.requested.has(kind));
    if (!body.requested.length) return showProblem('Choose at least one kind of document to request.');
  }
  if (!reason) return showProblem('Write a reason: it is recorded with the decision.');

  const seq = k.seq;
  const label = ACTIONS[k.action].label;
  k.busy = true;
  k.decisionError = '';
  renderCase();
  try {
    const result = await api(`${casePath(k.id)}/decision`, { method: 'POST', body });
    if (seq !== k.seq) return;
    k.action = null;
    k.reason = '';
    k.requested = new Set();
    k.busy = false;
    if (result && result.checkId === k.id && result.status) k.data = result;
    flash(`${label}: recorded for ${k.data.orderId || k.id}.`, 'ok');
    renderCase();
    loadCase(); // the answer may be a summary; fetch the full case (timeline, claim)
    loadQueue({ keepCount: true });
  } catch (err) {
    if (seq !== k.seq) return;
    k.busy = false;
    k.decisionError = err.message;
    renderCase();
    if (err.status === 409) loadCase(); // the case moved on: show where it is now
  }
}

function showProblem(message) {
  state.kase.decisionError = message;
  renderCase();
  const el = $('reason');
  if (el) el.focus();
}
