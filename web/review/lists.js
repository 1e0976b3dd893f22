/*
 * The Lists page (#/lists/block, #/lists/allow): the block and allow lists, newest
 * first, filtered by type; add an entry, delete one. Values are never shown (the API
 * keeps none): each entry shows its hint. Who may see and change the lists is the
 * API's word (`lists.manage` from GET /v1/review/me); others get an explanation, and
 * the API would answer 403 anyway.
 */
/* global document, window, URLSearchParams */
import { api } from './api.js';
import { $, flash, h, timeEl } from './dom.js';
import { can } from './session.js';

export const LIST_TYPES = [
  ['email', 'Email'],
  ['email_domain', 'Email domain'],
  ['card_fingerprint', 'Card fingerprint'],
  ['card_bin', 'Card BIN'],
  ['device', 'Device'],
  ['ip', 'IP address'],
  ['phone', 'Phone'],
  ['customer_id', 'Customer id'],
  ['shipping_address', 'Shipping address'],
];
const typeLabel = Object.fromEntries(LIST_TYPES);
const PAGE = 50;

const view = { list: 'block', type: '', items: [], nextCursor: null, loading: false };

export function listsHash(list) {
  return `#/lists/${list === 'allow' ? 'allow' : 'block'}`;
}

/** Shows the Lists page for `list` (block or allow). */
export function openLists(list) {
  const root = $('lists');
  document.title = `${list === 'allow' ? 'Allow' : 'Block'} list – Review console`;
  root.textContent = '';
  if (!can('lists.manage')) {
    root.append(
      h('h1', {}, 'Lists'),
      h('p', { className: 'notice notice-info' }, 'The block and allow lists are for senior reviewers and admins. Ask one of them to add or remove an entry.'),
    );
    return;
  }
  if (view.list !== list) Object.assign(view, { list, items: [], nextCursor: null });
  root.append(
    h(
      'div',
      { className: 'view-head' },
      h('h1', { id: 'lists-title' }, 'Lists'),
      h('span', { className: 'muted small' }, 'Checks created after a change follow it. Values are stored as pseudonyms; only hints are shown.'),
    ),
    h(
      'div',
      { className: 'status-tabs', role: 'group', 'aria-label': 'List' },
      ['block', 'allow'].map((name) =>
        h('a', { className: 'status-tab', href: listsHash(name), 'aria-pressed': String(name === list), 'data-list': name }, name === 'block' ? 'Block list' : 'Allow list'),
      ),
    ),
    addForm(list),
    h(
      'div',
      { className: 'filters', role: 'group', 'aria-label': 'Filters' },
      h(
        'label',
        {},
        'Type ',
        h(
          'select',
          { id: 'lists-filter-type', onchange: (e) => ((view.type = e.target.value), load()) },
          h('option', { value: '' }, 'Any'),
          LIST_TYPES.map(([value, label]) => h('option', { value, selected: value === view.type }, label)),
        ),
      ),
      h('button', { type: 'button', className: 'btn btn-small', onclick: () => load() }, 'Refresh'),
    ),
    h('div', { id: 'lists-error', className: 'notice notice-error', role: 'alert' }),
    h(
      'div',
      { className: 'table-wrap' },
      h(
        'table',
        { className: 'data-table', id: 'lists-table' },
        h('caption', { className: 'sr-only' }, `Entries of the ${list} list, newest first`),
        h(
          'thead',
          {},
          h('tr', {}, ['Type', 'Value (hint)', 'Reason', 'Added by', 'Added', 'Expires', ''].map((t) => h('th', { scope: 'col' }, t))),
        ),
        h('tbody', { id: 'lists-body' }),
      ),
    ),
    h('p', { id: 'lists-empty', className: 'empty', hidden: true }, 'No entries.'),
    h('button', { type: 'button', id: 'lists-more', className: 'btn', hidden: true, onclick: () => load({ append: true }) }, 'Load more'),
  );
  load();
}

function addForm(list) {
  const valueBox = h('span', { id: 'lists-value-box' });
  const typeSelect = h(
    'select',
    { id: 'lists-add-type', required: true, onchange: () => renderValueInputs(valueBox, typeSelect.value) },
    LIST_TYPES.map(([value, label]) => h('option', { value }, label)),
  );
  renderValueInputs(valueBox, typeSelect.value);
  const reason = h('input', { id: 'lists-add-reason', type: 'text', maxlength: 500, required: true, autocomplete: 'off' });
  const expires = h('input', { id: 'lists-add-expires', type: 'datetime-local' });
  const submit = h('button', { type: 'submit', className: 'btn btn-primary' }, `Add to the ${list} list`);
  const form = h(
    'form',
    {
      id: 'lists-add',
      className: 'filters lists-add',
      'aria-label': `Add to the ${list} list`,
      onsubmit: async (e) => {
        e.preventDefault();
        const body = { type: typeSelect.value, value: readValue(valueBox, typeSelect.value), reason: reason.value.trim() };
        if (expires.value) body.expiresAt = new Date(expires.value).toISOString();
        submit.disabled = true;
        try {
          const entry = await api(`/v1/lists/${list}/entries`, { method: 'POST', body });
          flash(`${typeLabel[entry.type]} ${entry.hint} is on the ${list} list.`, 'ok');
          form.reset();
          renderValueInputs(valueBox, typeSelect.value);
          await load();
        } catch (err) {
          flash(err.message, 'error');
        } finally {
          submit.disabled = false;
        }
      },
    },
    h('label', {}, 'Type ', typeSelect),
    valueBox,
    h('label', {}, 'Reason ', reason),
    h('label', {}, 'Expires (optional) ', expires),
    submit,
  );
  return form;
}

function renderValueInputs(box, type) {
  box.textContent = '';
  if (type === 'shipping_address') {
    box.append(
      h('label', {}, 'Street ', h('input', { name: 'line1', type: 'text', required: true, autocomplete: 'off' })),
      h('label', {}, 'Postal code ', h('input', { name: 'postalCode', type: 'text', autocomplete: 'off', size: 8 })),
      h('label', {}, 'Country ', h('input', { name: 'country', type: 'text', required: true, maxlength: 2, size: 3, autocomplete: 'off' })),
    );
  } else {
    box.append(h('label', {}, 'Value ', h('input', { name: 'value', id: 'lists-add-value', type: 'text', required: true, autocomplete: 'off', spellcheck: 'false' })));
  }
}

function readValue(box, type) {
  const field = (name) => box.querySelector(`input[name="${name}"]`).value.trim();
  if (type !== 'shipping_address') return field('value');
  const postalCode = field('postalCode');
  return { line1: field('line1'), ...(postalCode ? { postalCode } : {}), country: field('country') };
}

async function load({ append = false } = {}) {
  if (view.loading) return;
  view.loading = true;
  const error = $('lists-error');
  if (error) error.textContent = '';
  const params = new URLSearchParams({ limit: String(PAGE) });
  if (view.type) params.set('type', view.type);
  if (append && view.nextCursor) params.set('cursor', view.nextCursor);
  try {
    const page = await api(`/v1/lists/${view.list}/entries?${params}`);
    view.items = append ? [...view.items, ...page.items] : page.items;
    view.nextCursor = page.nextCursor;
    render();
  } catch (err) {
    if (error) error.textContent = err.message;
  } finally {
    view.loading = false;
  }
}

function render() {
  const body = $('lists-body');
  if (!body) return;
  body.textContent = '';
  for (const e of view.items) {
    const by = [e.createdBy.id || e.createdBy.type, e.createdBy.role].filter(Boolean).join(' · ');
    body.append(
      h(
        'tr',
        { 'data-entry-id': e.id },
        h('td', {}, typeLabel[e.type] || e.type),
        h('td', {}, h('code', {}, e.hint)),
        h('td', {}, e.reason, e.checkId ? [' ', h('a', { href: `#/cases/${encodeURIComponent(e.checkId)}` }, 'case')] : null),
        h('td', {}, by),
        h('td', {}, timeEl(e.createdAt)),
        h('td', {}, e.expiresAt ? timeEl(e.expiresAt) : '—'),
        h('td', {}, h('button', { type: 'button', className: 'btn btn-small', 'aria-label': `Delete ${e.hint}`, onclick: () => remove(e) }, 'Delete')),
      ),
    );
  }
  $('lists-empty').hidden = view.items.length > 0;
  $('lists-more').hidden = !view.nextCursor;
}

async function remove(entry) {
  if (!window.confirm(`Delete ${typeLabel[entry.type] || entry.type} ${entry.hint} from the ${view.list} list?`)) return;
  try {
    await api(`/v1/lists/${view.list}/entries/${encodeURIComponent(entry.id)}`, { method: 'DELETE' });
    flash(`${entry.hint} is no longer on the ${view.list} list.`, 'ok');
    await load();
  } catch (err) {
    flash(err.message, 'error');
  }
}

/** Forgets what was fetched (sign-out). */
export function resetLists() {
  Object.assign(view, { list: 'block', type: '', items: [], nextCursor: null, loading: false });
  const root = $('lists');
  if (root) root.textContent = '';
}
