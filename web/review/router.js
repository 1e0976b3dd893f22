/*
 * The console's addresses (hash routes):
 *   #/queue                     the queue, most urgent first
 *   #/cases/<checkId>           one case: order, risk, documents, timeline, claim, decision
 *   #/cases/<checkId>/audit     the case's audit trail and its hash-chain verification
 *   #/search                    search by order id, check id, e-mail, card BIN + last 4
 *   #/privacy                   data-subject requests (admins)
 * main.js shows the view a route names.
 */
/* global location */

export function parseRoute() {
  const hash = location.hash.replace(/^#/, '');
  const m = /^\/cases\/([^/]+)(\/audit)?\/?$/.exec(hash);
  if (m) {
    let id = m[1];
    try {
      id = decodeURIComponent(id);
    } catch {
      /* keep raw */
    }
    return { name: 'case', id, tab: m[2] ? 'audit' : 'case' };
  }
  if (hash === '/search' || hash === '/privacy') return { name: hash.slice(1) };
  return { name: 'queue' };
}

export function caseHash(checkId, tab) {
  return `#/cases/${encodeURIComponent(checkId)}${tab === 'audit' ? '/audit' : ''}`;
}
