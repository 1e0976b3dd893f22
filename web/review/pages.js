/*
 * Two views of their own: Search (any reviewer: by order id, check id, e-mail, or
 * card BIN + last 4) and Privacy (admins: a person's data found, exported as JSON,
 * erased). Both are forms over the JSON API; nothing is kept after leaving them
 * except what the reviewer typed.
 */
/* global document, Blob, window, URLSearchParams */
import { api } from './api.js';
import { download } from './blobs.js';
import { $, flash, h, timeEl } from './dom.js';
import { fmtMoney } from './format.js';
import { STATUS_TONES, statusLabel } from './labels.js';
import { caseHash } from './router.js';

function caseRows(items, extra) {
  if (!items.length) return h('p', { className: 'muted', id: 'no-results' }, 'Nothing found.');
  return h(
    'table',
    { className: 'data-table' },
    h('thead', {}, h('tr', {}, ['Order', 'Status', 'Amount', 'Created', ...(extra ? [extra.title] : [])].map((t) => h('th', { scope: 'col' }, t)))),
    h(
      'tbody',
      {},
      items.map((i) =>
        h(
          'tr',
          { 'data-check-id': i.checkId },
          h('td', {}, h('a', { href: caseHash(i.checkId), className: 'mono' }, i.orderId)),
          h('td', {}, h('span', { className: `badge badge-${STATUS_TONES[i.status] || 'info'}` }, statusLabel(i.status)), i.purged ? ' (purged)' : ''),
          h('td', { className: 'num' }, i.amount != null ? fmtMoney(i.amount, i.currency) : '—'),
          h('td', {}, timeEl(i.createdAt)),
          extra ? h('td', {}, extra.cell(i)) : null,
        ),
      ),
    ),
  );
}

// ---- search -------------------------------------------------------------------

export function renderSearch() {
  const root = $('search-view');
  if (root.dataset.ready) return;
  root.dataset.ready = '1';
  const out = h('div', { id: 'search-results', 'aria-live': 'polite' });
  const field = h('select', { id: 'search-field' }, [
    ['orderId', 'Order id'],
    ['checkId', 'Check id'],
    ['email', 'E-mail'],
    ['card', 'Card (BIN + last 4)'],
  ].map(([v, l]) => h('option', { value: v }, l)));
  const input = h('input', { id: 'search-value', placeholder: 'ord_1001 · chk_… · a@example.com · 411111 1111', autocomplete: 'off' });
  const run = async () => {
    const value = input.value.trim();
    if (!value) return;
    const params = new URLSearchParams();
    if (field.value === 'card') {
      const [bin, last4] = value.split(/[\s*·.-]+/).filter(Boolean);
      params.set('bin', bin || '');
      params.set('last4', last4 || '');
    } else params.set(field.value, value);
    try {
      const found = await api(`/v1/review/search?${params}`);
      out.replaceChildren(caseRows(found.items));
    } catch (err) {
      out.replaceChildren(h('p', { className: 'notice notice-error', role: 'alert' }, err.message));
    }
  };
  input.addEventListener('keydown', (e) => e.key === 'Enter' && run());
  root.append(
    h('div', { className: 'view-head' }, h('h1', {}, 'Search')),
    h('div', { className: 'filters' }, h('label', {}, 'By ', field), h('label', {}, 'Value ', input), h('button', { type: 'button', id: 'search-run', className: 'btn btn-small', onclick: run }, 'Search')),
    out,
  );
}

// ---- privacy ------------------------------------------------------------------

export function renderPrivacy() {
  const root = $('privacy-view');
  if (root.dataset.ready) return;
  root.dataset.ready = '1';
  const out = h('div', { id: 'privacy-results', 'aria-live': 'polite' });
  const by = h('select', { id: 'privacy-by' }, [h('option', { value: 'email' }, 'E-mail'), h('option', { value: 'customerId' }, 'Customer id')]);
  const value = h('input', { id: 'privacy-value', autocomplete: 'off' });
  const reason = h('input', { id: 'privacy-reason', placeholder: 'why (e.g. the ticket of the request)', maxlength: '2000' });
  const subject = () => ({ [by.value]: value.value.trim() });
  const fail = (err) => out.replaceChildren(h('p', { className: 'notice notice-error', role: 'alert' }, err.message));

  const find = async () => {
    try {
      const found = await api(`/v1/privacy/subjects?${new URLSearchParams(subject())}`);
      out.replaceChildren(h('h2', {}, `${found.checks.length} check(s) hold this person's data`), caseRows(found.checks));
    } catch (err) {
      fail(err);
    }
  };
  const exportJson = async () => {
    try {
      const data = await api('/v1/privacy/exports', { method: 'POST', body: subject() });
      const url = URL.createObjectURL(new Blob([JSON.stringify(data, null, 2)], { type: 'application/json' }));
      download(url, `export-${data.requestId}.json`);
      setTimeout(() => URL.revokeObjectURL(url), 60000);
      out.replaceChildren(h('p', { className: 'notice notice-info' }, `Exported ${data.checks.length} check(s).`));
    } catch (err) {
      fail(err);
    }
  };
  const erase = async () => {
    if (!reason.value.trim()) return fail(new Error('Say why: the request this erasure answers.'));
    if (!window.confirm("Erase this person's data from every final check? This cannot be undone.")) return;
    try {
      const r = await api('/v1/privacy/erasures', { method: 'POST', body: { ...subject(), reason: reason.value.trim() } });
      out.replaceChildren(
        h('h2', {}, 'Erasure ', h('span', { className: 'mono' }, r.erasureId)),
        h('p', { id: 'erased' }, `Erased: ${r.erased.length ? r.erased.join(', ') : 'none'}`),
        h('ul', { id: 'held' }, r.held.map((x) => h('li', {}, h('a', { href: caseHash(x.checkId), className: 'mono' }, x.checkId), ` held: ${x.why === 'open' ? 'the case is still open' : 'a case file was made or the case was reported'}`))),
      );
      flash('Erasure done.', 'success');
    } catch (err) {
      fail(err);
    }
  };
  root.append(
    h('div', { className: 'view-head' }, h('h1', {}, 'Privacy requests')),
    h('p', { className: 'muted' }, 'Find, export or erase what is held about a person. Final checks are purged as the retention purge does; open and reported ones are held. Every request is audited.'),
    h(
      'div',
      { className: 'filters' },
      h('label', {}, 'By ', by),
      h('label', {}, 'Value ', value),
      h('button', { type: 'button', id: 'privacy-find', className: 'btn btn-small', onclick: find }, 'Find'),
      h('button', { type: 'button', id: 'privacy-export', className: 'btn btn-small', onclick: exportJson }, 'Export JSON'),
    ),
    h('div', { className: 'filters' }, h('label', {}, 'Reason ', reason), h('button', { type: 'button', id: 'privacy-erase', className: 'btn btn-small btn-danger', onclick: erase }, 'Erase')),
    out,
  );
}

export function resetPages() {
  for (const id of ['search-view', 'privacy-view']) {
    const el = document.getElementById(id);
    el.textContent = '';
    delete el.dataset.ready;
  }
}
