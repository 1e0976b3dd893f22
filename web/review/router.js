/*
 * The console's addresses (hash routes):
 *   #/queue                     the queue, most urgent first
 *   #/cases/<checkId>           one case: order, risk, documents, timeline, claim, decision
 *   #/cases/<checkId>/audit     the case's audit trail and its hash-chain verification
 *   #/lists/block, #/lists/allow the block and allow lists (lists.js)
 *   #/rules                     rulesets: versions, differences, backtests, shadows, publish
 *   #/search                    search by order id, check id, e-mail, card BIN + last 4
 *   #/privacy                   data-subject requests (admins)
 * main.js shows the view a route names.
 */
/* global location */

export function parseRoute() {
  const hash = location.hash.replace(/^#/, '');
  const lists = /^\/lists(?:\/(block|allow))?\/?$/.exec(hash);
  if (lists) return { name: 'lists', list: lists[1] || 'block' };
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
  if (/^\/rules\/?$/.test(hash)) return { name: 'rules' };
  if (hash === '/search' || hash === '/privacy') return { name: hash.slice(1) };
  return { name: 'queue' };
}

export function caseHash(checkId, tab) {
  return `#/cases/${encodeURIComponent(checkId)}${tab === 'audit' ? '/audit' : ''}`;
}
