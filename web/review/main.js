/*
 * Reviewer console (GET /review): a small hash-routed single page over the reviewer
 * JSON API, in plain ES modules (no build step) under the page's strict CSP.
 * This module is the shell: sign-in and sign-out, showing the view the route names,
 * and wiring the static controls of index.html. The views live in their own modules:
 *   queue.js      the queue                     case.js      one case, from its sections:
 *   documents.js  document cards                order.js     risk and order
 *   viewer.js     the document viewer           decision.js  claim and decision
 *   audit.js      the audit trail               keyboard.js  shortcuts
 *   lists.js      the block and allow lists
 *   rules.js      rulesets (rulesDiff.js: the diff between two versions)
 * and underneath: api.js (client), session.js (token, who I am, what I may do),
 * blobs.js (document bytes), router.js, state.js, clocks.js, format.js, labels.js, dom.js.
 */
/* global document, location, window, setInterval */
import { onUnauthorized } from './api.js';
import { revokeBlobs } from './blobs.js';
import { openCase, resetCase } from './case.js';
import { tick } from './clocks.js';
import { $ } from './dom.js';
import { onKeyDown } from './keyboard.js';
import { openLists, resetLists } from './lists.js';
import { focusQueueRow, loadFilters, loadQueue, renderQueue, resetQueue, setFilters } from './queue.js';
import { caseHash, parseRoute } from './router.js';
import { openRules } from './rules.js';
import { renderPrivacy, renderSearch, resetPages } from './pages.js';
import { forgetTools } from './tools.js';
import { beginSession, can, endSession, storedToken, tokenFromInput } from './session.js';
import { QUEUE_REFRESH_MS, state } from './state.js';
import { wireViewer } from './viewer.js';

function route() {
  const signedIn = Boolean(state.session);
  $('signin-view').hidden = signedIn;
  $('app').hidden = !signedIn;
  $('nav').hidden = !signedIn;
  if (!signedIn) {
    document.title = 'Sign in – Review console';
    $('token').focus();
    return;
  }
  const r = parseRoute();
  const previous = state.lastRoute;
  state.lastRoute = r;
  $('nav-lists').hidden = !can('lists.manage');
  $('nav-rules').hidden = !can('rulesets.read');
  $('nav-privacy').hidden = !can('privacy.requests');
  $('lists-view').hidden = r.name !== 'lists';
  $('rules-view').hidden = true;
  const page = r.name === 'search' || (r.name === 'privacy' && can('privacy.requests')) ? r.name : null;
  $('search-view').hidden = page !== 'search';
  $('privacy-view').hidden = page !== 'privacy';
  if (r.name === 'lists') {
    $('queue-view').hidden = true;
    $('case-view').hidden = true;
    openLists(r.list);
    return;
  }
  if (r.name === 'rules' && can('rulesets.read')) {
    $('queue-view').hidden = true;
    $('case-view').hidden = true;
    $('rules-view').hidden = false;
    openRules();
    return;
  }
  if (page) {
    $('queue-view').hidden = true;
    $('case-view').hidden = true;
    document.title = `${page === 'search' ? 'Search' : 'Privacy'} – Review console`;
    if (page === 'search') renderSearch();
    else renderPrivacy();
    return;
  }
  if (r.name === 'case') {
    $('queue-view').hidden = true;
    $('case-view').hidden = false;
    openCase(r.id, r.tab);
    return;
  }
  $('case-view').hidden = true;
  $('queue-view').hidden = false;
  document.title = 'Queue – Review console';
  if (!state.queue.loaded) loadQueue();
  // Coming back from a case: put the keyboard where the reviewer left off.
  if (previous && previous.name === 'case') {
    state.queue.selectedId = previous.id;
    renderQueue();
    focusQueueRow(previous.id);
  }
}

/**
 * Starts a session with the API's word on who the token is; false (signed out, with why)
 * when there is none. `restoring`: the token was kept from earlier in this tab.
 */
async function establish(token, { restoring = false } = {}) {
  try {
    await beginSession(token, signOut);
    return true;
  } catch (err) {
    if (err.status === 401) return false; // signed out already, with the server's reason (onUnauthorized)
    // Not refused: the server could not answer. A kept token stays kept for a reload;
    // a pasted one stays in the sign-in box for another try.
    const transient = err.status === 0 || err.status >= 500;
    const retry = transient && restoring ? ' Reload the page to try again.' : '';
    signOut(`${err.message}${retry}`, { keepStored: transient && restoring });
    return false;
  }
}

async function signIn() {
  const errorEl = $('signin-error');
  errorEl.textContent = '';
  let token;
  try {
    token = tokenFromInput($('token').value);
  } catch (err) {
    errorEl.textContent = err.message;
    $('token').focus();
    return;
  }
  $('sign-in').disabled = true;
  const ok = await establish(token);
  $('sign-in').disabled = false;
  if (!ok) return;
  $('token').value = '';
  state.queue.loaded = false;
  if (!location.hash || location.hash === '#' || location.hash === '#/') location.hash = '#/queue';
  route();
}

/** Forgets the token and everything fetched with it. */
function signOut(message, { keepStored = false } = {}) {
  endSession({ keepStored });
  revokeBlobs();
  forgetTools();
  resetPages();
  resetQueue();
  resetCase(null);
  resetLists();
  $('case').textContent = '';
  for (const d of [$('viewer'), $('shortcuts')]) if (d.open) d.close();
  route();
  if (message) $('signin-error').textContent = message;
}

function wire() {
  onUnauthorized(signOut);
  $('sign-in').addEventListener('click', signIn);
  $('token').addEventListener('keydown', (e) => {
    // Ctrl/Cmd+Enter signs in from the textarea (plain Enter still makes a new line).
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      signIn();
    }
  });
  $('sign-out').addEventListener('click', () => signOut('You have signed out.'));

  for (const tab of document.querySelectorAll('.status-tab')) {
    tab.addEventListener('click', () => setFilters({ status: tab.dataset.status }));
  }
  $('filter-band').addEventListener('change', (e) => setFilters({ band: e.target.value }));
  $('filter-assignee').addEventListener('change', (e) => setFilters({ assignee: e.target.value }));
  $('filter-flag').addEventListener('change', (e) => setFilters({ flag: e.target.value }));
  $('refresh').addEventListener('click', () => loadQueue({ keepCount: true }));
  $('load-more').addEventListener('click', () => loadQueue({ append: true }));

  // A click anywhere on a row opens its case (the order link is the keyboard path).
  $('queue-body').addEventListener('click', (e) => {
    const row = e.target.closest('tr[data-check-id]');
    if (!row || e.target.closest('a, button')) return;
    location.hash = caseHash(row.dataset.checkId);
  });

  wireViewer();
  document.addEventListener('keydown', onKeyDown);
  window.addEventListener('hashchange', route);

  setInterval(tick, 1000);
  setInterval(() => {
    if (state.session && !document.hidden && !state.queue.loading) loadQueue({ keepCount: true });
  }, QUEUE_REFRESH_MS);
}

async function start() {
  wire();
  loadFilters();
  // Both views stay hidden until the API has said whether a kept token still works.
  const kept = storedToken();
  if (kept) await establish(kept, { restoring: true });
  route();
}

start();
