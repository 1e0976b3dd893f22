/*
 * The Rules page (#/rules): the risk team's rulesets (API.md, "Rulesets"). Versions,
 * newest first, with their status; a readable diff between any two (rulesDiff.js);
 * a backtest of a version over a period and its shadow report, in one report view;
 * start and end shadowing; publish (only when the API says the reviewer may:
 * `rulesets.publish`, admins). Everything comes from /v1/rulesets; the console holds
 * no rules of its own.
 */
/* global confirm, document */
import { api } from './api.js';
import { $, append, badge, h, facts, flash, section, timeEl } from './dom.js';
import { fmtNumber } from './format.js';
import { rulesetDiff } from './rulesDiff.js';
import { can } from './session.js';

const view = { versions: [], byVersion: new Map(), a: null, b: null, report: null, reportTitle: '', busy: false, error: '' };
const actions = ['approve', 'review', 'verify', 'block'];
const path = (v, tail = '') => `/v1/rulesets/${encodeURIComponent(v)}${tail}`;

async function version(v) {
  if (!view.byVersion.has(v)) view.byVersion.set(v, await api(path(v)));
  return view.byVersion.get(v);
}

export async function openRules() {
  document.title = 'Rules – Review console';
  view.error = '';
  try {
    const { items } = await api('/v1/rulesets');
    view.versions = items;
    const live = items.find((i) => i.status === 'live');
    view.a ??= live ? live.version : items[0] && items[0].version;
    view.b ??= items[0] && items[0].version;
  } catch (err) {
    view.error = err.message;
  }
  render();
}

async function run(title, work) {
  if (view.busy) return;
  view.busy = true;
  render();
  try {
    const result = await work();
    if (result && title) {
      view.report = result;
      view.reportTitle = title;
    }
  } catch (err) {
    flash(err.message, 'error');
  } finally {
    view.busy = false;
    render();
  }
}

function statusBadge(status) {
  return badge(status, status === 'live' ? 'ok' : status === 'draft' ? 'info' : null);
}

const day = (d) => d.toISOString().slice(0, 10);
/** The backtest period as the reviewer set it (days, UTC); the last 30 days at first. */
const chosen = { from: day(new Date(Date.now() - 30 * 86_400_000)), to: day(new Date()) };

function periodInputs() {
  return h(
    'div',
    { className: 'filters', role: 'group', 'aria-label': 'Backtest period' },
    h('label', {}, 'Backtest from ', h('input', { type: 'date', value: chosen.from, onchange: (e) => (chosen.from = e.target.value) })),
    h('label', {}, 'to ', h('input', { type: 'date', value: chosen.to, onchange: (e) => (chosen.to = e.target.value) })),
  );
}

function period() {
  return { ...(chosen.from ? { from: `${chosen.from}T00:00:00Z` } : {}), ...(chosen.to ? { to: `${chosen.to}T23:59:59Z` } : {}) };
}

function versionsTable() {
  const mayWrite = can('rulesets.write');
  const mayPublish = can('rulesets.publish');
  const rows = view.versions.map((v) =>
    h(
      'tr',
      {},
      h('td', {}, h('input', { type: 'radio', name: 'diff-a', 'aria-label': `compare from ${v.version}`, checked: view.a === v.version, onchange: () => ((view.a = v.version), render()) })),
      h('td', {}, h('input', { type: 'radio', name: 'diff-b', 'aria-label': `compare to ${v.version}`, checked: view.b === v.version, onchange: () => ((view.b = v.version), render()) })),
      h('td', { className: 'nowrap' }, v.version),
      h('td', {}, statusBadge(v.status)),
      h('td', {}, v.note || ''),
      h('td', { className: 'nowrap' }, v.createdBy, ' ', timeEl(v.createdAt)),
      h(
        'td',
        { className: 'nowrap' },
        h('button', { type: 'button', className: 'btn btn-small', disabled: view.busy, onclick: () => run(`Backtest of ${v.version}`, () => api(path(v.version, '/backtest'), { method: 'POST', body: period() })) }, 'Backtest'),
        ' ',
        h('button', { type: 'button', className: 'btn btn-small', disabled: view.busy, onclick: () => run(`Shadow report of ${v.version}`, () => api(path(v.version, '/shadow'))) }, 'Shadow report'),
        mayWrite && v.status !== 'live'
          ? [
              ' ',
              h('button', { type: 'button', className: 'btn btn-small', disabled: view.busy, onclick: () => run(`Shadow report of ${v.version}`, async () => (await api(path(v.version, '/shadow'), { method: 'POST' }), api(path(v.version, '/shadow')))) }, 'Shadow'),
              ' ',
              h('button', { type: 'button', className: 'btn btn-small', disabled: view.busy, onclick: () => run('', async () => (await api(path(v.version, '/shadow'), { method: 'DELETE' }), flash(`Shadowing of ${v.version} ended.`, 'ok'))) }, 'End shadow'),
            ]
          : null,
        mayPublish && v.status !== 'live'
          ? [
              ' ',
              h(
                'button',
                {
                  type: 'button',
                  className: 'btn btn-small btn-primary',
                  disabled: view.busy,
                  onclick: () => {
                    if (!confirm(`Publish ${v.version}? Checks created from now on are scored with it.`)) return;
                    run('', async () => {
                      await api(path(v.version, '/publish'), { method: 'POST' });
                      flash(`${v.version} is live.`, 'ok');
                      await openRules();
                    });
                  },
                },
                v.status === 'retired' ? 'Roll back to this' : 'Publish',
              ),
            ]
          : null,
      ),
    ),
  );
  return h(
    'div',
    { className: 'table-wrap' },
    h(
      'table',
      { className: 'data-table' },
      h('thead', {}, h('tr', {}, ['From', 'To', 'Version', 'Status', 'Note', 'Created', ''].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, rows),
    ),
  );
}

function diffPanel() {
  const panel = h('div', { id: 'rules-diff' }, h('p', { className: 'muted' }, 'Choose two versions (From, To) to compare.'));
  if (!view.a || !view.b) return panel;
  Promise.all([version(view.a), version(view.b)])
    .then(([a, b]) => {
      const d = rulesetDiff(a, b);
      panel.textContent = '';
      append(panel, h('p', {}, `From ${a.version} to ${b.version}:`));
      if (d.empty) return append(panel, h('p', { className: 'muted' }, 'No differences.'));
      const list = h('ul', { className: 'rules-diff' });
      for (const r of d.added) list.append(h('li', { className: 'diff-added' }, `+ ${r.code} (${r.points} points): ${r.condition}`));
      for (const r of d.removed) list.append(h('li', { className: 'diff-removed' }, `− ${r.code} (${r.points} points): ${r.condition}`));
      for (const r of d.changed) {
        list.append(h('li', { className: 'diff-changed' }, `~ ${r.code}`, h('ul', {}, r.changes.map((c) => h('li', {}, `${c.what}: ${c.from} → ${c.to}`)))));
      }
      if (d.moved) list.append(h('li', {}, 'The rules are in another order.'));
      if (d.bands) list.append(h('li', {}, `bands: ${d.bands.from.join('; ')} → ${d.bands.to.join('; ')}`));
      if (d.policy) list.append(h('li', {}, `policy: ${d.policy.from} → ${d.policy.to}`));
      panel.append(list);
    })
    .catch((err) => {
      panel.textContent = err.message;
    });
  return panel;
}

function reportPanel() {
  const r = view.report;
  if (!r) return h('p', { className: 'muted' }, 'Backtest a version, or open its shadow report.');
  const byAction = h(
    'table',
    { className: 'data-table' },
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, ''), actions.map((a) => h('th', { scope: 'col', className: 'num' }, a)))),
    h(
      'tbody',
      {},
      h('tr', {}, h('th', { scope: 'row' }, 'live rules'), actions.map((a) => h('td', { className: 'num' }, fmtNumber(r.live[a])))),
      h('tr', {}, h('th', { scope: 'row' }, r.version), actions.map((a) => h('td', { className: 'num' }, fmtNumber(r.candidate[a])))),
    ),
  );
  const o = r.outcomes;
  const examples = h(
    'table',
    { className: 'data-table' },
    h('thead', {}, h('tr', {}, ['Order', 'When', 'Live', r.version, 'Outcome'].map((t) => h('th', { scope: 'col' }, t)))),
    h(
      'tbody',
      {},
      r.examples.map((e) =>
        h(
          'tr',
          {},
          h('td', {}, e.orderId),
          h('td', {}, timeEl(e.createdAt)),
          h('td', {}, `${e.liveAction} (${e.liveScore})`),
          h('td', {}, `${e.candidateAction} (${e.candidateScore})`),
          h('td', {}, e.outcome || ''),
        ),
      ),
    ),
  );
  return h(
    'div',
    { id: 'rules-report' },
    h('h3', {}, view.reportTitle),
    facts([
      ['Checks', fmtNumber(r.checks)],
      ['Action changed', fmtNumber(r.changed)],
      ['Score changed', fmtNumber(r.rescored)],
      ['Period', r.period ? `${r.period.from} – ${r.period.to}` : ''],
      ['Shadowing now', r.shadowing === undefined ? '' : r.shadowing ? 'yes' : 'no'],
      ['Truncated', r.truncated ? 'yes: only the first checks were read' : ''],
      ['Fraud caught (live → candidate)', `${o.live.fraudCaught} → ${o.candidate.fraudCaught} of ${o.labelled.fraud}`],
      ['Good orders held (live → candidate)', `${o.live.goodHeld} → ${o.candidate.goodHeld} of ${o.labelled.legitimate}`],
    ]),
    byAction,
    r.examples.length ? examples : h('p', { className: 'muted' }, 'No check would change.'),
  );
}

function render() {
  const root = $('rules');
  root.textContent = '';
  if (view.error) return append(root, h('p', { className: 'field-error', role: 'alert' }, view.error));
  append(root, [
    section('Versions', periodInputs(), versionsTable()),
    section('Differences', diffPanel()),
    section('Report', view.busy ? h('p', { className: 'muted' }, 'Working…') : reportPanel()),
  ]);
}
