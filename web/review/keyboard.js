/*
 * Keyboard shortcuts (listed in the #shortcuts dialog): j/k move through the queue or
 * step between cases; on a case c claims, a/r/e/d choose a decision, Escape goes back
 * to the queue; + − 0 r drive the viewer. Never while typing in a field.
 */
/* global location */
import { caseHash, parseRoute } from './router.js';
import { $, isEditable, showShortcuts } from './dom.js';
import { chooseAction, claimCase } from './decision.js';
import { moveQueueCursor, stepCase } from './queue.js';
import { state } from './state.js';
import { viewerKey } from './viewer.js';

const DECISION_KEYS = { a: 'approve', r: 'reject', e: 'escalate', d: 'request_documents' };

export function onKeyDown(e) {
  if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) return;
  if (!state.session) return;
  if ($('viewer').open) return viewerKey(e);
  if ($('shortcuts').open) return;
  if (isEditable(e.target)) return;

  const r = parseRoute();
  const key = e.key;
  if (key === '?') {
    e.preventDefault();
    showShortcuts();
    return;
  }
  if (r.name === 'queue') {
    if (key === 'j' || key === 'k') {
      e.preventDefault();
      moveQueueCursor(key === 'j' ? 1 : -1);
    }
    return;
  }
  // A case is open.
  if (key === 'Escape') {
    e.preventDefault();
    location.hash = '#/queue';
  } else if (key === 'c') {
    e.preventDefault();
    if (state.kase.tab !== 'case') location.hash = caseHash(state.kase.id);
    claimCase();
  } else if (DECISION_KEYS[key]) {
    // preventDefault: the key must not also type itself into the reason box we focus.
    e.preventDefault();
    if (state.kase.tab !== 'case') {
      location.hash = caseHash(state.kase.id);
      setTimeout(() => chooseAction(DECISION_KEYS[key]), 0);
    } else chooseAction(DECISION_KEYS[key]);
  } else if (key === 'j' || key === 'k') {
    e.preventDefault();
    stepCase(key === 'j' ? 1 : -1);
  }
}
