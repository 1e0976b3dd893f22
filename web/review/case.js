/*
 * The case view: loads one case (GET /v1/review/cases/:checkId) and renders it from
 * its sections: documents, risk, order and timeline on the left; claim, decision and
 * the documents requested on the right; or the audit trail on its own tab.
 *
 * Re-rendering is whole-view and cheap; what the reviewer typed lives in `state.kase`
 * so a refresh never loses it. decision.js re-renders through `renderCase` (the two
 * modules import each other; neither uses the other while loading).
 */
/* global document */
import { api, casePath } from './api.js';
import { auditSection, loadAudit } from './audit.js';
import { revokeBlobs } from './blobs.js';
import { tick } from './clocks.js';
import { claimSection, decisionSection } from './decision.js';
import { documentsSection } from './documents.js';
import { $, badge, facts, h, section, showShortcuts, timeEl } from './dom.js';
import { actorText } from './format.js';
import { BAND_TONES, KIND_LABELS, STATUS_TONES, humanize, statusLabel } from './labels.js';
import { orderSection, riskSection } from './order.js';
import { overdueBadge, slaOf, stepCase } from './queue.js';
import { caseHash } from './router.js';
import { state } from './state.js';

export function resetCase(id) {
  const k = state.kase;
  k.id = id;
  k.data = null;
  k.error = null;
  k.action = null;
  k.reason = '';
  k.requested = new Set();
  k.decisionError = '';
  k.claimError = '';
  k.busy = false;
  k.audit = null;
  k.auditError = null;
  k.seq++;
}

export function openCase(id, tab) {
  const k = state.kase;
  if (k.id !== id) {
    revokeBlobs();
    resetCase(id);
    k.focusOnRender = true;
    $('case').textContent = '';
    $('case').append(h('p', { className: 'muted loading' }, 'Loading case…'));
  }
  k.tab = tab;
  state.queue.selectedId = id;
  if (k.data) renderCase();
  loadCase();
  if (tab === 'audit') {
    loadAudit().then((changed) => {
      if (changed && k.data && k.tab === 'audit') renderCase();
    });
  }
}

export async function loadCase() {
  const k = state.kase;
  const seq = k.seq;
  try {
    const data = await api(casePath(k.id));
    if (seq !== k.seq) return;
    k.data = data;
    k.error = null;
  } catch (err) {
    if (seq !== k.seq || err.status === 401) return;
    k.error = err;
  }
  renderCase();
}

export function renderCase() {
  const k = state.kase;
  const root = $('case');
  // The reason text lives in state (kept by its input handler), so a re-render
  // never loses it; give the focus back to it too.
  const reasonEl = $('reason');
  const hadReasonFocus = reasonEl && document.activeElement === reasonEl;

  root.textContent = '';
  if (k.error && !k.data) {
    root.removeAttribute('data-check-id');
    root.append(caseNav(), h('div', { className: 'notice notice-error', role: 'alert' }, k.error.status === 404 ? `Case ${k.id} was not found.` : k.error.message));
    document.title = 'Case not found – Review console';
    return;
  }
  const data = k.data;
  if (!data) return;

  root.dataset.checkId = data.checkId;
  document.title = `${data.orderId || data.checkId} – Review console`;
  root.append(caseNav(), caseHeader(data), caseTabs(data));
  if (k.tab === 'audit') {
    root.append(auditSection());
  } else {
    root.append(
      h(
        'div',
        { className: 'case-grid' },
        h('div', { className: 'case-main' }, documentsSection(data), riskSection(data), orderSection(data), timelineSection(data)),
        h('div', { className: 'case-side' }, claimSection(data), decisionSection(data), verificationSection(data)),
      ),
    );
  }
  tick();
  if (hadReasonFocus && $('reason')) {
    const el = $('reason');
    el.focus();
    el.setSelectionRange(el.value.length, el.value.length);
  } else if (k.focusOnRender) {
    k.focusOnRender = false;
    const title = root.querySelector('h1');
    if (title) title.focus();
  }
}

function caseNav() {
  const items = state.queue.items;
  const idx = items.findIndex((it) => it.checkId === state.kase.id);
  return h(
    'nav',
    { className: 'case-nav', 'aria-label': 'Case navigation' },
    h('a', { href: '#/queue' }, '← Queue'),
    idx >= 0 ? h('span', { className: 'muted small' }, `Case ${idx + 1} of ${items.length} loaded`) : null,
    h('button', { type: 'button', className: 'btn btn-small', onclick: () => stepCase(-1), title: 'Previous case (k)' }, '‹ Prev'),
    h('button', { type: 'button', className: 'btn btn-small', onclick: () => stepCase(1), title: 'Next case (j)' }, 'Next ›'),
    h('button', { type: 'button', className: 'btn btn-small', onclick: showShortcuts, title: 'Keyboard shortcuts (?)' }, 'Shortcuts'),
  );
}

function caseHeader(data) {
  const risk = data.risk || {};
  return h(
    'header',
    { className: 'case-head' },
    h('h1', { tabindex: '-1' }, 'Order ', h('span', { className: 'mono' }, data.orderId || '—')),
    h(
      'div',
      { className: 'case-facts' },
      h('span', { id: 'case-status', className: `badge badge-${STATUS_TONES[data.status] || 'info'}`, 'data-status': data.status }, statusLabel(data.status)),
      overdueBadge(data),
      h('span', {}, badge(risk.band || '—', BAND_TONES[risk.band]), ' score ', h('strong', {}, risk.score ?? '—')),
      h('span', {}, 'SLA ', slaOf(data) ? h('strong', { 'data-sla-due': slaOf(data), className: 'sla' }) : h('span', { className: 'muted' }, '—')),
      data.fulfilment ? h('span', {}, 'Fulfilment ', h('strong', {}, data.fulfilment)) : null,
      h('span', { className: 'muted mono small' }, data.checkId),
    ),
  );
}

function caseTabs(data) {
  const tab = state.kase.tab;
  const link = (name, label) => h('a', { href: caseHash(data.checkId, name), className: 'case-tab', 'aria-current': tab === name ? 'page' : false }, label);
  return h('nav', { className: 'case-tabs', 'aria-label': 'Case views' }, link('case', 'Case'), link('audit', 'Audit trail'));
}

/** What the customer was asked for, and by when; the clock runs only while the case waits for them. */
function verificationSection(data) {
  const v = data.verification;
  if (!v) return null;
  const waiting = data.status === 'awaiting_documents';
  return section(
    'Documents requested',
    facts([
      ['Kinds', (v.requested || []).map((kind) => KIND_LABELS[kind] || humanize(kind)).join(', ') || '—'],
      ['Round', v.round],
      ['Deadline', v.expiresAt ? [timeEl(v.expiresAt), waiting ? [' ', h('span', { id: 'upload-time-left', className: 'muted small', 'data-sla-due': v.expiresAt })] : null] : null],
    ]),
  );
}

function timelineSection(data) {
  const entries = data.timeline || [];
  return section(
    'Timeline',
    entries.length
      ? h(
          'table',
          { className: 'data-table timeline' },
          h('thead', {}, h('tr', {}, ['At', 'Event', 'From → to', 'Actor', 'Reason'].map((t) => h('th', { scope: 'col' }, t)))),
          h(
            'tbody',
            {},
            entries.map((e) =>
              h(
                'tr',
                {},
                h('td', { className: 'nowrap' }, timeEl(e.at)),
                h('td', {}, humanize(e.event || '')),
                h('td', { className: 'nowrap' }, e.from ? `${statusLabel(e.from)} → ` : '', statusLabel(e.to)),
                h('td', {}, actorText(e.actor)),
                h('td', {}, e.reason || ''),
              ),
            ),
          ),
        )
      : h('p', { className: 'muted' }, 'No events yet.'),
  );
}
