/*
 * The queue view: the open cases, most urgent first, 50 a page, with status tabs,
 * filters (kept in sessionStorage), a keyboard cursor (j/k) and a refresh every 10 s
 * that keeps as many rows as were shown.
 */
/* global document, location, sessionStorage, URLSearchParams */
import { api } from './api.js';
import { tick } from './clocks.js';
import { $, badge, cssEscape, flash, h } from './dom.js';
import { fmtDateTime, fmtMoney, timeFmt, toDate } from './format.js';
import { BAND_TONES, DOC_REASONS, STATUS_TONES, humanize, statusLabel } from './labels.js';
import { caseHash } from './router.js';
import { myId } from './session.js';
import { QUEUE_PAGE, state } from './state.js';

const FILTERS_KEY = 'reviewConsole.filters';

export function loadFilters() {
  try {
    const saved = JSON.parse(sessionStorage.getItem(FILTERS_KEY) || 'null');
    if (saved && typeof saved === 'object') Object.assign(state.queue.filters, saved);
  } catch {
    /* ignore */
  }
  const f = state.queue.filters;
  $('filter-band').value = f.band;
  $('filter-assignee').value = f.assignee;
  $('filter-flag').value = f.flag;
}

export function setFilters(change) {
  Object.assign(state.queue.filters, change);
  sessionStorage.setItem(FILTERS_KEY, JSON.stringify(state.queue.filters));
  state.queue.items = [];
  state.queue.nextCursor = null;
  renderQueue();
  loadQueue();
}

/** Forgets the loaded rows (sign-out); a load still in flight is ignored when it lands. */
export function resetQueue() {
  state.queue.items = [];
  state.queue.loaded = false;
  state.queue.seq++;
  $('queue-body').textContent = '';
}

function queueQuery(cursor) {
  const f = state.queue.filters;
  const params = new URLSearchParams({ status: f.status, limit: String(QUEUE_PAGE) });
  if (f.band) params.set('band', f.band);
  if (f.assignee) params.set('assignee', f.assignee);
  if (f.flag) params.set('flag', f.flag);
  if (cursor) params.set('cursor', cursor);
  return `/v1/review/cases?${params}`;
}

/**
 * Loads the queue. `append` fetches the next page; otherwise the first pages are
 * reloaded until as many rows as were shown are back (so an auto-refresh does not
 * collapse what "Load more" opened), at most 5 pages.
 */
export async function loadQueue({ append: more = false, keepCount = false } = {}) {
  const q = state.queue;
  const seq = ++q.seq;
  q.loading = true;
  const errorEl = $('queue-error');
  try {
    let items = more ? q.items.slice() : [];
    let cursor = more ? q.nextCursor : null;
    let counts = q.counts;
    // First load: one page. Refresh: as many pages as it takes to show as many rows again.
    const target = keepCount ? q.items.length : 0;
    let pages = 0;
    do {
      const page = await api(queueQuery(cursor));
      items = items.concat(page.items || []);
      cursor = page.nextCursor || null;
      if (page.counts) counts = page.counts;
      pages++;
    } while (!more && cursor && items.length < target && pages < 5);
    if (seq !== q.seq) return; // a newer load (e.g. a filter change) won
    // Rows can move between pages while paging; show each case once.
    const seen = new Set();
    q.items = items.filter((it) => !seen.has(it.checkId) && seen.add(it.checkId));
    q.nextCursor = cursor;
    q.counts = counts || {};
    q.loaded = true;
    errorEl.textContent = '';
    $('queue-updated').textContent = `Updated ${timeFmt.format(new Date())}`;
    renderQueue();
  } catch (err) {
    if (seq !== q.seq || err.status === 401) return;
    errorEl.textContent = err.message;
  } finally {
    if (seq === q.seq) q.loading = false;
  }
}

function renderCounts() {
  for (const el of document.querySelectorAll('[data-count]')) {
    const n = state.queue.counts[el.dataset.count];
    el.textContent = typeof n === 'number' ? String(n) : '–';
  }
}

export function renderQueue() {
  const q = state.queue;
  for (const tab of document.querySelectorAll('.status-tab')) {
    tab.setAttribute('aria-pressed', String(tab.dataset.status === q.filters.status));
  }
  renderCounts();

  // Keep focus on the same row across a re-render (auto-refresh every 10 s).
  const focusedRow = document.activeElement && document.activeElement.closest && document.activeElement.closest('tr[data-check-id]');
  const focusedId = focusedRow ? focusedRow.dataset.checkId : null;

  const body = $('queue-body');
  body.textContent = '';
  for (const item of q.items) body.append(queueRow(item));
  $('queue-empty').hidden = !q.loaded || q.items.length > 0;
  $('load-more').hidden = !q.nextCursor;
  tick();
  if (focusedId) focusQueueRow(focusedId);
}

/** The cells of one queue entry (api/queue.ts: `items[]`). */
function queueRow(item) {
  const me = item.assignee && item.assignee === myId();
  const leaseActive = item.leaseExpiresAt ? toDate(item.leaseExpiresAt) > new Date() : Boolean(item.assignee);
  let assignee;
  if (!item.assignee) assignee = h('span', { className: 'muted' }, 'Unassigned');
  else if (!leaseActive) assignee = h('span', { className: 'muted', title: 'The claim lease has expired' }, `${item.assignee} (lease expired)`);
  else assignee = me ? h('strong', {}, 'You') : item.assignee;

  const flags = (item.flags || []).map((f) => (f === 'duplicate' ? badge('Duplicate docs', 'danger') : badge(DOC_REASONS[f] || humanize(f), 'warn')));

  return h(
    'tr',
    { 'data-check-id': item.checkId, className: item.checkId === state.queue.selectedId ? 'is-selected' : '' },
    h('td', {}, h('a', { href: caseHash(item.checkId), className: 'row-link' }, item.orderId || item.checkId), h('div', { className: 'muted small mono' }, item.checkId)),
    h('td', { className: 'nowrap' }, badge(item.band || '—', BAND_TONES[item.band]), ' ', h('span', { className: 'score' }, item.score ?? '—')),
    h('td', {}, badge(statusLabel(item.status), STATUS_TONES[item.status]), overdueBadge(item)),
    h('td', { className: 'num' }, fmtMoney(item.amount, item.currency)),
    h('td', {}, slaOf(item) ? h('span', { 'data-sla-due': slaOf(item), className: 'sla' }) : h('span', { className: 'muted' }, '—')),
    h('td', { className: 'nowrap' }, h('span', { 'data-since': item.createdAt, title: fmtDateTime(item.createdAt) })),
    h('td', {}, assignee),
    h('td', { className: 'num' }, item.documentCount ?? '—'),
    h('td', { className: 'flags' }, flags.length ? flags : h('span', { className: 'muted' }, '—')),
  );
}

/** The SLA a case runs on: an escalated case its own (ESCALATION_SLA), an open review the review SLA. */
export function slaOf(item) {
  return item.status === 'escalated' ? item.escalationDueAt : item.slaDueAt;
}

/** The flag of an escalated case nobody decided within its SLA (queue row and case header). */
export function overdueBadge(item) {
  if (item.status !== 'escalated' || !item.escalationOverdueAt) return null;
  return h('span', { className: 'overdue', title: `Overdue since ${fmtDateTime(item.escalationOverdueAt)}` }, ' ', badge('Overdue', 'danger'));
}

export function focusQueueRow(checkId) {
  const row = document.querySelector(`tr[data-check-id="${cssEscape(checkId)}"]`);
  if (!row) return;
  const link = row.querySelector('a.row-link');
  if (link) link.focus({ preventScroll: false });
}

/** j/k in the queue: move a keyboard cursor over the rows. */
export function moveQueueCursor(step) {
  const items = state.queue.items;
  if (!items.length) return;
  let idx = items.findIndex((it) => it.checkId === state.queue.selectedId);
  idx = idx < 0 ? (step > 0 ? 0 : items.length - 1) : Math.min(items.length - 1, Math.max(0, idx + step));
  state.queue.selectedId = items[idx].checkId;
  for (const row of document.querySelectorAll('#queue-body tr')) {
    row.classList.toggle('is-selected', row.dataset.checkId === state.queue.selectedId);
  }
  focusQueueRow(state.queue.selectedId);
}

/** j/k on a case: open the next/previous case of the loaded queue. */
export async function stepCase(step) {
  if (!state.queue.loaded) await loadQueue();
  const items = state.queue.items;
  if (!items.length) return flash('The queue is empty.', 'info');
  const idx = items.findIndex((it) => it.checkId === state.kase.id);
  const next = idx < 0 ? items[0] : items[idx + step];
  if (!next) return flash(step > 0 ? 'This is the last case loaded in the queue.' : 'This is the first case in the queue.', 'info');
  location.hash = caseHash(next.checkId);
}
