/*
 * The audit tab: the case's append-only, hash-chained trail
 * (GET /v1/review/cases/:checkId/audit) and whether the server could verify the chain.
 */
import { api, casePath } from './api.js';
import { h, section, timeEl } from './dom.js';
import { actorText } from './format.js';
import { humanize } from './labels.js';
import { state } from './state.js';

/** Loads the open case's trail into state; resolves true when there is something new to show. */
export async function loadAudit() {
  const k = state.kase;
  const seq = k.seq;
  try {
    const audit = await api(`${casePath(k.id)}/audit`);
    if (seq !== k.seq) return false;
    k.audit = audit;
    k.auditError = null;
  } catch (err) {
    if (seq !== k.seq || err.status === 401) return false;
    k.auditError = err.message;
  }
  return true;
}

export function auditSection() {
  const k = state.kase;
  if (k.auditError) return section('Audit trail', h('p', { className: 'notice notice-error', role: 'alert' }, k.auditError));
  if (!k.audit) return section('Audit trail', h('p', { className: 'muted' }, 'Loading audit trail…'));
  const { entries = [], verification } = k.audit;
  const broken = verification && verification.valid === false ? verification.brokenAt : null;

  let status;
  if (!verification) status = h('p', { id: 'audit-status', className: 'notice' }, 'Chain not verified by the server.');
  else if (verification.valid) {
    status = h('p', { id: 'audit-status', className: 'notice notice-ok', 'data-valid': 'true' }, `✓ Chain verified — ${verification.length ?? entries.length} entries, none altered.`);
  } else {
    status = h(
      'p',
      { id: 'audit-status', className: 'notice notice-error', 'data-valid': 'false', role: 'alert' },
      `✗ Tampered at entry ${broken ?? '?'}`,
      verification.reason ? ` — ${verification.reason}` : '',
    );
  }

  return section(
    'Audit trail',
    status,
    entries.length
      ? h(
          'div',
          { className: 'table-wrap' },
          h(
            'table',
            { className: 'data-table audit' },
            h('thead', {}, h('tr', {}, ['#', 'At', 'Actor', 'Action', 'Detail', 'Hash'].map((t) => h('th', { scope: 'col' }, t)))),
            h(
              'tbody',
              {},
              entries.map((e) =>
                h(
                  'tr',
                  { className: e.seq === broken ? 'broken' : '' },
                  h('td', { className: 'num' }, e.seq),
                  h('td', { className: 'nowrap' }, timeEl(e.at, true)),
                  h('td', {}, actorText(e.actor)),
                  h('td', {}, humanize(e.action || '')),
                  h('td', { className: 'detail' }, detailText(e.detail, e.redacted)),
                  h('td', { className: 'mono small', title: e.hash || '' }, e.hash ? `${String(e.hash).slice(0, 12)}…` : '—'),
                ),
              ),
            ),
          ),
        )
      : h('p', { className: 'muted' }, 'No audit entries.'),
  );
}

/** `redacted`: free-text keys the retention purge destroyed (the chain still covers them). */
function detailText(detail, redacted) {
  if (detail === null || detail === undefined || detail === '') return '';
  if (typeof detail !== 'object') return String(detail);
  const parts = Object.entries(detail).map(([k, v]) => `${k}: ${typeof v === 'object' ? JSON.stringify(v) : v}`);
  for (const k of redacted || []) parts.push(`${k}: (purged)`);
  return h('code', {}, parts.join(' · '));
}
