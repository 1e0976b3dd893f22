/*
 * The case's tools beside the decision: linked cases (other orders sharing the card,
 * e-mail, device, IP, shipping address, customer id or a document), internal notes,
 * and case files for payment processors, banks and authorities (seniors and admins:
 * make one, download it). Each panel loads once per case and re-renders the case
 * through `renderCase` when its data arrives (case.js and this module import each
 * other; neither uses the other while loading).
 */
/* (URL and setTimeout are globals the lint config knows) */
import { api, casePath, fetchBlob } from './api.js';
import { download } from './blobs.js';
import { renderCase } from './case.js';
import { badge, flash, h, section, timeEl } from './dom.js';
import { fmtMoney } from './format.js';
import { BAND_TONES, STATUS_TONES, humanize, statusLabel } from './labels.js';
import { caseHash } from './router.js';
import { can } from './session.js';

const SHARED_LABELS = { card: 'card', email: 'e-mail', device: 'device', ip: 'IP', shippingAddress: 'shipping address', customer: 'customer id', document: 'document' };
const RECIPIENT_KINDS = [
  ['payment_processor', 'Payment processor'],
  ['bank', 'Bank'],
  ['authority', 'Authority'],
];

/** Per case: { links, notes, reports, errors, noteText, form, busy }. */
const tools = new Map();

function toolsOf(checkId) {
  let t = tools.get(checkId);
  if (!t) {
    t = { links: null, notes: null, reports: null, errors: {}, noteText: '', form: { kind: 'payment_processor', name: '', reference: '', note: '', originals: false }, busy: false };
    tools.set(checkId, t);
    load(checkId, t);
  }
  return t;
}

export function forgetTools() {
  tools.clear();
}

async function load(checkId, t) {
  const base = casePath(checkId);
  const jobs = [
    ['links', api(`${base}/links`)],
    ['notes', api(`${base}/notes`)],
    ...(can('report.create') ? [['reports', api(`${base}/reports`)]] : []),
  ];
  await Promise.all(
    jobs.map(async ([name, promise]) => {
      try {
        t[name] = await promise;
      } catch (err) {
        t.errors[name] = err.message;
      }
    }),
  );
  renderCase();
}

export function toolSections(data) {
  const t = toolsOf(data.checkId);
  return [linksSection(data, t), notesSection(data, t), can('report.create') ? reportsSection(data, t) : null];
}

function linksSection(data, t) {
  if (t.errors.links) return section('Linked cases', h('p', { className: 'notice notice-error' }, t.errors.links));
  if (!t.links) return section('Linked cases', h('p', { className: 'muted' }, 'Loading…'));
  const items = t.links.items;
  return section(
    'Linked cases',
    items.length === 0
      ? h('p', { className: 'muted', id: 'links-empty' }, 'No other order shares a card, e-mail, device, IP, address or document with this one.')
      : h(
          'ul',
          { className: 'links-list', id: 'linked-cases' },
          items.map((i) =>
            h(
              'li',
              { 'data-check-id': i.checkId },
              h('a', { href: caseHash(i.checkId), className: 'mono' }, i.orderId),
              ' ',
              h('span', { className: `badge badge-${STATUS_TONES[i.status] || 'info'}` }, statusLabel(i.status)),
              ' ',
              badge(i.band, BAND_TONES[i.band]),
              i.amount !== null ? [' ', fmtMoney(i.amount, i.currency)] : null,
              h('div', { className: 'muted small' }, 'shares ', i.shared.map((s) => SHARED_LABELS[s] || humanize(s)).join(', '), (i.outcomes || []).length ? ` · outcomes: ${i.outcomes.map((o) => humanize(o.type || String(o))).join(', ')}` : ''),
            ),
          ),
        ),
    t.links.capped ? h('p', { className: 'muted small' }, 'More cases share these values than are shown.') : null,
  );
}

function notesSection(data, t) {
  const list = t.notes ? t.notes.items : [];
  const add = async () => {
    const text = t.noteText.trim();
    if (!text || t.busy) return;
    t.busy = true;
    try {
      const note = await api(`${casePath(data.checkId)}/notes`, { method: 'POST', body: { text } });
      t.notes = { items: [...list, note] };
      t.noteText = '';
    } catch (err) {
      flash(err.message, 'error');
    }
    t.busy = false;
    renderCase();
  };
  return section(
    'Notes',
    h('p', { className: 'muted small' }, 'Internal: never shown to the customer. Notes cannot be edited.'),
    t.errors.notes ? h('p', { className: 'notice notice-error' }, t.errors.notes) : null,
    h(
      'ul',
      { className: 'notes-list', id: 'notes' },
      list.map((n) => h('li', {}, h('div', { className: 'muted small' }, n.author.id, ' · ', timeEl(n.createdAt)), h('div', {}, n.text === null ? h('em', {}, 'removed at the end of retention') : n.text))),
    ),
    can('case.note') && !data.purged
      ? [
          h('label', { for: 'note-text', className: 'sr-only' }, 'New note'),
          h('textarea', { id: 'note-text', rows: '2', maxlength: '4000', placeholder: 'Add an internal note', oninput: (e) => (t.noteText = e.target.value) }, t.noteText),
          h('button', { type: 'button', id: 'add-note', className: 'btn btn-small', onclick: add }, 'Add note'),
        ]
      : null,
  );
}

function reportsSection(data, t) {
  const f = t.form;
  const create = async () => {
    if (t.busy) return;
    t.busy = true;
    try {
      const report = await api(`${casePath(data.checkId)}/reports`, {
        method: 'POST',
        body: { recipient: { kind: f.kind, name: f.name }, reference: f.reference, includeOriginals: f.originals, ...(f.note.trim() ? { note: f.note } : {}) },
      });
      t.reports = { items: [report, ...(t.reports ? t.reports.items : [])] };
      t.form = { kind: 'payment_processor', name: '', reference: '', note: '', originals: false };
      flash(`Case file made for ${report.recipient.name}.`, 'success');
    } catch (err) {
      flash(err.message, 'error');
    }
    t.busy = false;
    renderCase();
  };
  const items = t.reports ? t.reports.items : [];
  return section(
    'Case files',
    t.errors.reports ? h('p', { className: 'notice notice-error' }, t.errors.reports) : null,
    h(
      'ul',
      { className: 'reports-list', id: 'reports' },
      items.map((r) =>
        h(
          'li',
          { 'data-report-id': r.reportId },
          h('strong', {}, r.recipient.name),
          ` (${humanize(r.recipient.kind)}) · ref `,
          h('span', { className: 'mono' }, r.reference),
          h('div', { className: 'muted small' }, r.createdBy.id, ' · ', timeEl(r.createdAt), r.includeOriginals ? ' · with originals' : ''),
          r.purgedAt
            ? h('div', { className: 'muted small' }, 'The file was destroyed at the end of retention.')
            : h('button', { type: 'button', className: 'btn btn-small download-report', onclick: () => downloadReport(r) }, 'Download ZIP'),
        ),
      ),
    ),
    data.purged
      ? null
      : h(
          'div',
          { className: 'report-form' },
          h('label', {}, 'Recipient ', h('select', { id: 'report-kind', onchange: (e) => (f.kind = e.target.value) }, RECIPIENT_KINDS.map(([v, l]) => h('option', { value: v, selected: f.kind === v }, l)))),
          h('label', {}, 'Name ', h('input', { id: 'report-name', value: f.name, maxlength: '200', oninput: (e) => (f.name = e.target.value) })),
          h('label', {}, 'Their reference ', h('input', { id: 'report-reference', value: f.reference, maxlength: '200', oninput: (e) => (f.reference = e.target.value) })),
          h('label', {}, 'Note ', h('textarea', { id: 'report-note', rows: '2', maxlength: '4000', oninput: (e) => (f.note = e.target.value) }, f.note)),
          can('report.originals')
            ? h('label', {}, h('input', { type: 'checkbox', id: 'report-originals', checked: f.originals, onchange: (e) => (f.originals = e.target.checked) }), ' Include originals (with their metadata)')
            : null,
          h('button', { type: 'button', id: 'create-report', className: 'btn btn-small', onclick: create }, 'Make case file'),
        ),
  );
}

async function downloadReport(r) {
  try {
    const { blob } = await fetchBlob(new URL(r.fileUrl).pathname);
    const url = URL.createObjectURL(blob);
    download(url, `case-${r.checkId}-${r.reportId}.zip`);
    setTimeout(() => URL.revokeObjectURL(url), 60000);
  } catch (err) {
    flash(err.message, 'error');
  }
}
