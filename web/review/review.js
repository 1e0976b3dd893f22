/*
 * Reviewer console (GET /review).
 *
 * A small hash-routed single page over the reviewer JSON API:
 *   #/queue                     the queue, most urgent first
 *   #/cases/<checkId>           one case: order, risk, documents, timeline, claim, decision
 *   #/cases/<checkId>/audit     the case's audit trail and its hash-chain verification
 *
 * Why it is built the way it is:
 * - The page runs under a strict CSP (no inline script/style, no eval), so all DOM is
 *   built with createElement/textContent (which also keeps API data from becoming
 *   markup) and the viewer's zoom/rotation are CSS custom properties set via CSSOM.
 * - The reviewer's JWT is the only credential. It lives in sessionStorage (gone when the
 *   tab closes) and is sent as `Authorization: Bearer`. Its payload is decoded here for
 *   display only; the server is the authority on what the token may do.
 * - Document images need that header too, so they are fetched with fetch() and shown
 *   through blob: URLs, which are revoked when the case is left.
 */
/* global document, window, location, sessionStorage, URLSearchParams, TextDecoder, atob, setInterval */
'use strict';

(() => {
  // ------------------------------------------------------------------ constants

  const TOKEN_KEY = 'reviewConsole.token';
  const FILTERS_KEY = 'reviewConsole.filters';
  const ROLES = ['reviewer', 'senior', 'admin'];
  const QUEUE_PAGE = 50;
  const QUEUE_REFRESH_MS = 10000;
  const BLOB_RETRY_MS = 30000;

  const STATUS_LABELS = {
    approved: 'Approved',
    awaiting_documents: 'Awaiting documents',
    in_review: 'In review',
    escalated: 'Escalated',
    rejected: 'Rejected',
    expired: 'Expired',
    cancelled: 'Cancelled',
  };
  const STATUS_TONES = { approved: 'ok', rejected: 'danger', escalated: 'warn', in_review: 'info', awaiting_documents: 'info' };
  const BAND_TONES = { low: 'ok', medium: 'warn', high: 'danger', critical: 'critical' };
  const KIND_LABELS = { identity: 'Identity', address: 'Address', payment_ownership: 'Payment ownership' };
  const KIND_ORDER = ['identity', 'address', 'payment_ownership'];
  const DOC_STATUS = { accepted: ['Accepted', 'ok'], rejected: ['Rejected', 'danger'], processing: ['Processing', 'info'] };

  /** Document rejection and quality codes in reviewer words. */
  const DOC_REASONS = {
    unreadable: 'Could not be read',
    too_small: 'Image too small',
    blurry: 'Blurry',
    too_dark: 'Too dark',
    overexposed: 'Overexposed / glare',
    unsupported_type: 'Unsupported file type',
    encrypted: 'Password-protected PDF',
    scripted: 'PDF contains scripts',
    attachments: 'PDF contains attachments',
    too_many_pages: 'Too many pages',
    too_large_dimensions: 'Image dimensions too large',
    duplicate_elsewhere: 'Already used on another case',
    duplicate: 'Duplicate document',
  };

  /** Decision actions: label, button style, and the verb on the submit button. */
  const ACTIONS = {
    approve: { label: 'Approve', key: 'a', tone: 'btn-ok', submit: 'Approve order' },
    reject: { label: 'Reject', key: 'r', tone: 'btn-danger', submit: 'Reject order' },
    request_documents: { label: 'Request documents', key: 'd', tone: '', submit: 'Request documents' },
    escalate: { label: 'Escalate', key: 'e', tone: '', submit: 'Escalate to senior' },
    report: { label: 'Report', key: null, tone: '', submit: 'Report case' },
  };

  // ------------------------------------------------------------------ state

  const state = {
    session: null, // { token, sub, role, exp }
    sessionTimer: null,
    queue: {
      filters: { status: 'in_review', band: '', assignee: '', flag: '' },
      items: [],
      nextCursor: null,
      counts: {},
      seq: 0,
      loaded: false,
      loading: false,
      selectedId: null, // keyboard cursor in the queue (j/k)
    },
    kase: {
      id: null,
      tab: 'case',
      data: null,
      seq: 0,
      error: null,
      action: null, // chosen decision action
      reason: '', // kept across re-renders so a refresh never eats typed text
      requested: new Set(),
      decisionError: '',
      claimError: '',
      busy: false,
      audit: null,
      auditError: null,
      focusOnRender: false,
    },
    blobs: new Map(), // `${checkId}:${documentId}:${variant}` -> { promise: Promise<{ url, type }>, failedAt }
    viewer: { doc: null, variant: 'preview', zoom: 1, rotate: 0, fit: true, natW: 0, natH: 0, opener: null, seq: 0 },
    lastRoute: null,
    flashTimer: null,
  };

  const $ = (id) => document.getElementById(id);

  // ------------------------------------------------------------------ DOM helper

  /**
   * Creates an element. attrs: `className`, `text`, `on<event>` handlers, booleans
   * (true → empty attribute, false/null → absent), everything else as an attribute.
   */
  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === false || value === null || value === undefined) continue;
      if (name === 'className') el.className = value;
      else if (name === 'text') el.textContent = value;
      else if (name.startsWith('on') && typeof value === 'function') el.addEventListener(name.slice(2), value);
      else el.setAttribute(name, value === true ? '' : String(value));
    }
    append(el, children);
    return el;
  }

  function append(el, children) {
    for (const child of [children].flat(Infinity)) {
      if (child === null || child === undefined || child === false) continue;
      el.append(child instanceof window.Node ? child : document.createTextNode(String(child)));
    }
    return el;
  }

  function badge(text, tone) {
    return h('span', { className: `badge${tone ? ` badge-${tone}` : ''}` }, text);
  }

  function isEditable(el) {
    if (!el) return false;
    const tag = el.tagName;
    return tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT' || el.isContentEditable;
  }

  // ------------------------------------------------------------------ formatting

  const dateTimeFmt = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
  const dateTimeSecFmt = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
  const timeFmt = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });

  function toDate(iso) {
    if (!iso) return null;
    const d = new Date(iso);
    return Number.isNaN(d.getTime()) ? null : d;
  }

  function fmtDateTime(iso, seconds) {
    const d = toDate(iso);
    return d ? (seconds ? dateTimeSecFmt : dateTimeFmt).format(d) : '—';
  }

  /** A <time> element: local time shown, exact ISO on hover and in the markup. */
  function timeEl(iso, seconds) {
    return h('time', { datetime: iso || false, title: iso || false }, fmtDateTime(iso, seconds));
  }

  /** "2d 4h", "3h 05m 12s", "4m 09s", "12s" — compact, seconds while they matter. */
  function fmtDuration(ms) {
    const total = Math.max(0, Math.floor(ms / 1000));
    const d = Math.floor(total / 86400);
    const hr = Math.floor((total % 86400) / 3600);
    const m = Math.floor((total % 3600) / 60);
    const s = total % 60;
    const pad = (n) => String(n).padStart(2, '0');
    if (d > 0) return `${d}d ${hr}h`;
    if (hr > 0) return `${hr}h ${pad(m)}m ${pad(s)}s`;
    if (m > 0) return `${m}m ${pad(s)}s`;
    return `${s}s`;
  }

  /** Queue age: minutes are enough ("3h 12m", "2d 4h", "45m", "<1m"). */
  function fmtAgeShort(ms) {
    const mins = Math.floor(Math.max(0, ms) / 60000);
    if (mins < 1) return '<1m';
    if (mins < 60) return `${mins}m`;
    const hrs = Math.floor(mins / 60);
    if (hrs < 24) return `${hrs}h ${String(mins % 60).padStart(2, '0')}m`;
    return `${Math.floor(hrs / 24)}d ${hrs % 24}h`;
  }

  /** Minor units to a localised amount: 12999 USD -> $129.99, 500 JPY -> ¥500. */
  function fmtMoney(amount, currency) {
    if (typeof amount !== 'number') return '—';
    try {
      const nf = new Intl.NumberFormat(undefined, { style: 'currency', currency });
      const digits = nf.resolvedOptions().maximumFractionDigits;
      return nf.format(amount / 10 ** digits);
    } catch {
      return `${amount} ${currency || ''}`.trim();
    }
  }

  /** Account age in the largest sensible unit, measured at `at` (the order time). */
  function fmtAge(fromIso, atIso) {
    const from = toDate(fromIso);
    const at = toDate(atIso) || new Date();
    if (!from) return null;
    const days = Math.floor((at - from) / 86400000);
    if (days < 0) return 'created after the order';
    if (days < 1) return 'less than a day';
    if (days < 60) return `${days} day${days === 1 ? '' : 's'}`;
    const months = Math.floor(days / 30.44);
    if (months < 24) return `${months} months`;
    return `${Math.floor(months / 12)} years`;
  }

  function statusLabel(status) {
    return STATUS_LABELS[status] || status || '—';
  }

  function actorText(actor) {
    if (!actor) return '—';
    if (typeof actor === 'string') return actor;
    let text = actor.type || 'unknown';
    if (actor.id) text += ` ${actor.id}`;
    if (actor.role) text += ` (${actor.role})`;
    return text;
  }

  /** `document.viewed` / `request_documents` -> "document viewed" / "request documents". */
  function humanize(code) {
    return String(code).replace(/[._]/g, ' ');
  }

  // ------------------------------------------------------------------ flash messages

  function flash(text, tone) {
    const el = $('flash');
    clearTimeout(state.flashTimer);
    el.className = `flash notice notice-${tone || 'info'}`;
    el.textContent = text || '';
    if (text) state.flashTimer = setTimeout(() => (el.textContent = ''), tone === 'error' ? 12000 : 6000);
  }

  // ------------------------------------------------------------------ session

  /** Decodes a base64url JWT segment to an object (display only, not verified). */
  function decodeJwtPayload(token) {
    const parts = token.split('.');
    if (parts.length !== 3) throw new Error('This does not look like a JWT (it needs three parts separated by dots).');
    let b64 = parts[1].replace(/-/g, '+').replace(/_/g, '/');
    while (b64.length % 4) b64 += '=';
    let payload;
    try {
      const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      payload = JSON.parse(new TextDecoder().decode(bytes));
    } catch {
      throw new Error('The token payload could not be read. Please paste the whole token.');
    }
    if (!payload || typeof payload !== 'object') throw new Error('The token payload is not an object.');
    return payload;
  }

  /** Checks a pasted token and turns it into a session, or throws a message for people. */
  function sessionFromToken(raw) {
    const token = raw.replace(/^\s*Bearer\s+/i, '').replace(/\s+/g, '');
    if (!token) throw new Error('Paste your reviewer token first.');
    const claims = decodeJwtPayload(token);
    if (!claims.sub) throw new Error('The token has no subject (sub).');
    if (!ROLES.includes(claims.role)) throw new Error('The token has no reviewer role (reviewer, senior or admin).');
    if (typeof claims.exp === 'number' && claims.exp * 1000 <= Date.now()) {
      throw new Error(`This token expired on ${fmtDateTime(new Date(claims.exp * 1000).toISOString())}. Ask for a new one.`);
    }
    return { token, sub: String(claims.sub), role: claims.role, exp: typeof claims.exp === 'number' ? claims.exp : null };
  }

  function startSession(session) {
    state.session = session;
    sessionStorage.setItem(TOKEN_KEY, session.token);
    $('whoami').textContent = '';
    append($('whoami'), ['Signed in as ', h('strong', {}, session.sub), ' · ', badge(session.role, session.role === 'reviewer' ? '' : 'info')]);
    if (session.exp) $('whoami').title = `Token valid until ${fmtDateTime(new Date(session.exp * 1000).toISOString())}`;
    $('session').hidden = false;
    clearTimeout(state.sessionTimer);
    if (session.exp) {
      // setTimeout takes at most ~24.8 days; longer tokens simply never auto-expire here.
      const ms = session.exp * 1000 - Date.now();
      if (ms < 2 ** 31 - 1) state.sessionTimer = setTimeout(() => signOut('Your session has expired. Please sign in again.'), ms);
    }
  }

  function signIn() {
    const errorEl = $('signin-error');
    errorEl.textContent = '';
    try {
      startSession(sessionFromToken($('token').value));
    } catch (err) {
      errorEl.textContent = err.message;
      $('token').focus();
      return;
    }
    $('token').value = '';
    state.queue.loaded = false;
    if (!location.hash || location.hash === '#' || location.hash === '#/') location.hash = '#/queue';
    route();
  }

  /** Forgets the token and everything fetched with it. */
  function signOut(message) {
    state.session = null;
    sessionStorage.removeItem(TOKEN_KEY);
    clearTimeout(state.sessionTimer);
    revokeBlobs();
    state.queue.items = [];
    state.queue.loaded = false;
    state.queue.seq++;
    resetCase(null);
    $('session').hidden = true;
    $('queue-body').textContent = '';
    $('case').textContent = '';
    for (const d of [$('viewer'), $('shortcuts')]) if (d.open) d.close();
    route();
    if (message) $('signin-error').textContent = message;
  }

  function restoreSession() {
    const token = sessionStorage.getItem(TOKEN_KEY);
    if (!token) return;
    try {
      startSession(sessionFromToken(token));
    } catch {
      sessionStorage.removeItem(TOKEN_KEY);
    }
  }

  // ------------------------------------------------------------------ API

  class ApiError extends Error {
    constructor(status, code, message) {
      super(message);
      this.status = status;
      this.code = code;
    }
  }

  /** Reads `{ error: { code, message } }` from a failed response, whatever it holds. */
  async function errorFrom(response) {
    let code = null;
    let message = null;
    try {
      const body = await response.json();
      if (body && body.error) ({ code, message } = body.error);
    } catch {
      /* not JSON */
    }
    if (response.status === 401) {
      signOut(message || 'Your session has expired or the token was refused. Please sign in again.');
    }
    return new ApiError(response.status, code, message ? sentence(message) : `The request failed (HTTP ${response.status}).`);
  }

  /** Server messages are lower-case fragments ("claim the case before deciding it"); show sentences. */
  function sentence(text) {
    const t = String(text).trim();
    if (!t) return t;
    const s = t[0].toUpperCase() + t.slice(1);
    return /[.!?]$/.test(s) ? s : `${s}.`;
  }

  async function send(path, options) {
    if (!state.session) throw new ApiError(401, 'unauthorized', 'Not signed in.');
    const headers = { Authorization: `Bearer ${state.session.token}`, ...(options.headers || {}) };
    try {
      return await fetch(path, { ...options, headers, cache: 'no-store' });
    } catch {
      throw new ApiError(0, 'network', 'Could not reach the server. Check your connection and try again.');
    }
  }

  /** JSON API call; throws ApiError with the server's message on failure. */
  async function api(path, { method = 'GET', body } = {}) {
    const options = { method, headers: { Accept: 'application/json' } };
    if (body !== undefined) {
      options.headers['Content-Type'] = 'application/json';
      options.body = JSON.stringify(body);
    }
    const response = await send(path, options);
    if (!response.ok) throw await errorFrom(response);
    if (response.status === 204) return null;
    const text = await response.text();
    return text ? JSON.parse(text) : null;
  }

  const casePath = (checkId) => `/v1/review/cases/${encodeURIComponent(checkId)}`;

  // ------------------------------------------------------------------ document bytes

  /**
   * Fetches a document variant once per case and returns a blob: URL for it.
   * (An <img src> cannot carry the Authorization header.)
   */
  function documentBlob(checkId, documentId, variant) {
    const key = `${checkId}:${documentId}:${variant}`;
    const cached = state.blobs.get(key);
    // Every fetch is audited server-side, so fetch once per case; a failure is
    // remembered for a while (re-renders must not hammer the API) and then retried.
    if (cached && !(cached.failedAt && Date.now() - cached.failedAt > BLOB_RETRY_MS)) return cached.promise;
    const entry = { promise: null, failedAt: 0 };
    entry.promise = (async () => {
      const path = `${casePath(checkId)}/documents/${encodeURIComponent(documentId)}/content?variant=${variant}`;
      const response = await send(path, { method: 'GET' });
      if (!response.ok) throw await errorFrom(response);
      const blob = await response.blob();
      return { url: URL.createObjectURL(blob), type: blob.type || response.headers.get('Content-Type') || '' };
    })();
    entry.promise.catch(() => (entry.failedAt = Date.now()));
    state.blobs.set(key, entry);
    return entry.promise;
  }

  function revokeBlobs() {
    for (const entry of state.blobs.values()) {
      entry.promise.then((b) => URL.revokeObjectURL(b.url)).catch(() => {});
    }
    state.blobs.clear();
  }

  /** Saves a blob: URL as a file (used for PDFs and other originals). */
  function download(url, filename) {
    const a = h('a', { href: url, download: filename, className: 'sr-only' });
    document.body.append(a);
    a.click();
    a.remove();
  }

  // ------------------------------------------------------------------ routing

  function parseRoute() {
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
    return { name: 'queue' };
  }

  function caseHash(checkId, tab) {
    return `#/cases/${encodeURIComponent(checkId)}${tab === 'audit' ? '/audit' : ''}`;
  }

  function route() {
    const signedIn = Boolean(state.session);
    $('signin-view').hidden = signedIn;
    $('app').hidden = !signedIn;
    if (!signedIn) {
      document.title = 'Sign in – Review console';
      $('token').focus();
      return;
    }
    const r = parseRoute();
    const previous = state.lastRoute;
    state.lastRoute = r;
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

  // ------------------------------------------------------------------ queue

  function loadFilters() {
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

  function setFilters(change) {
    Object.assign(state.queue.filters, change);
    sessionStorage.setItem(FILTERS_KEY, JSON.stringify(state.queue.filters));
    state.queue.items = [];
    state.queue.nextCursor = null;
    renderQueue();
    loadQueue();
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
  async function loadQueue({ append: more = false, keepCount = false } = {}) {
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

  function renderQueue() {
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

  function queueRow(item) {
    const me = state.session && item.assignee === state.session.sub;
    const leaseActive = item.leaseExpiresAt ? toDate(item.leaseExpiresAt) > new Date() : Boolean(item.assignee);
    let assignee;
    if (!item.assignee) assignee = h('span', { className: 'muted' }, 'Unassigned');
    else if (!leaseActive) assignee = h('span', { className: 'muted', title: 'The claim lease has expired' }, `${item.assignee} (lease expired)`);
    else assignee = me ? h('strong', {}, 'You') : item.assignee;

    const flags = (item.flags || []).map((f) =>
      f === 'duplicate' ? badge('Duplicate docs', 'danger') : badge(DOC_REASONS[f] || humanize(f), 'warn'),
    );

    const tr = h(
      'tr',
      { 'data-check-id': item.checkId, className: item.checkId === state.queue.selectedId ? 'is-selected' : '' },
      h(
        'td',
        {},
        h('a', { href: caseHash(item.checkId), className: 'row-link' }, item.orderId || item.checkId),
        h('div', { className: 'muted small mono' }, item.checkId),
      ),
      h('td', { className: 'nowrap' }, badge(item.band || '—', BAND_TONES[item.band]), ' ', h('span', { className: 'score' }, item.score ?? '—')),
      h('td', {}, badge(statusLabel(item.status), STATUS_TONES[item.status]), overdueBadge(item)),
      h('td', { className: 'num' }, fmtMoney(item.amount, item.currency)),
      h('td', {}, slaOf(item) ? h('span', { 'data-sla-due': slaOf(item), className: 'sla' }) : h('span', { className: 'muted' }, '—')),
      h('td', { className: 'nowrap' }, h('span', { 'data-since': item.createdAt, title: fmtDateTime(item.createdAt) })),
      h('td', {}, assignee),
      h('td', { className: 'num' }, item.documentCount ?? '—'),
      h('td', { className: 'flags' }, flags.length ? flags : h('span', { className: 'muted' }, '—')),
    );
    return tr;
  }

  /** An escalated case runs on its own SLA (ESCALATION_SLA); an open review on the review SLA. */
  function slaOf(item) {
    return item.status === 'escalated' ? item.escalationDueAt : item.slaDueAt;
  }

  /** Flag of an escalated case nobody decided within its SLA. */
  function overdueBadge(item) {
    if (item.status !== 'escalated' || !item.escalationOverdueAt) return null;
    return h('span', { className: 'overdue', title: `Overdue since ${fmtDateTime(item.escalationOverdueAt)}` }, ' ', badge('Overdue', 'danger'));
  }

  function focusQueueRow(checkId) {
    const row = document.querySelector(`tr[data-check-id="${cssEscape(checkId)}"]`);
    if (!row) return;
    const link = row.querySelector('a.row-link');
    if (link) link.focus({ preventScroll: false });
  }

  function cssEscape(value) {
    return window.CSS && window.CSS.escape ? window.CSS.escape(value) : String(value).replace(/["\\]/g, '\\$&');
  }

  /** j/k in the queue: move a keyboard cursor over the rows. */
  function moveQueueCursor(step) {
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

  // ------------------------------------------------------------------ clocks

  /** Once a second: SLA clocks, ages and lease countdowns read the time again. */
  function tick() {
    const now = Date.now();
    for (const el of document.querySelectorAll('[data-sla-due]')) {
      const due = toDate(el.dataset.slaDue);
      if (!due) continue;
      const left = due.getTime() - now;
      const overdue = left < 0;
      el.textContent = overdue ? `Overdue ${fmtDuration(-left)}` : `${fmtDuration(left)} left`;
      el.classList.toggle('overdue', overdue);
      el.classList.toggle('due-soon', !overdue && left < 15 * 60000);
      el.title = `Due ${fmtDateTime(el.dataset.slaDue)}`;
    }
    for (const el of document.querySelectorAll('[data-since]')) {
      const since = toDate(el.dataset.since);
      if (since) el.textContent = fmtAgeShort(now - since.getTime());
    }
    for (const el of document.querySelectorAll('[data-lease-until]')) {
      const until = toDate(el.dataset.leaseUntil);
      if (!until) continue;
      const left = until.getTime() - now;
      el.textContent = left > 0 ? `until ${timeFmt.format(until)} (${fmtDuration(left)} left)` : `lease expired at ${timeFmt.format(until)}`;
      el.classList.toggle('overdue', left <= 0);
    }
  }

  // ------------------------------------------------------------------ case: loading

  function resetCase(id) {
    const k = state.kase;
    k.id = id;
    k.data = null;
    k.error = null;
    k.action = null;
    k.reason = '';
    k.requested = new Set();
    k.decisionError = '';
    k.claimError = '';
    k.busy = false;
    k.audit = null;
    k.auditError = null;
    k.seq++;
  }

  function openCase(id, tab) {
    const k = state.kase;
    if (k.id !== id) {
      revokeBlobs();
      resetCase(id);
      k.focusOnRender = true;
      $('case').textContent = '';
      $('case').append(h('p', { className: 'muted loading' }, 'Loading case…'));
    }
    k.tab = tab;
    state.queue.selectedId = id;
    if (k.data) renderCase();
    loadCase();
    if (tab === 'audit') loadAudit();
  }

  async function loadCase() {
    const k = state.kase;
    const seq = k.seq;
    try {
      const data = await api(casePath(k.id));
      if (seq !== k.seq) return;
      k.data = data;
      k.error = null;
    } catch (err) {
      if (seq !== k.seq || err.status === 401) return;
      k.error = err;
    }
    renderCase();
  }

  async function loadAudit() {
    const k = state.kase;
    const seq = k.seq;
    try {
      const audit = await api(`${casePath(k.id)}/audit`);
      if (seq !== k.seq) return;
      k.audit = audit;
      k.auditError = null;
    } catch (err) {
      if (seq !== k.seq || err.status === 401) return;
      k.auditError = err.message;
    }
    if (k.data && k.tab === 'audit') renderCase();
  }

  // ------------------------------------------------------------------ case: rendering

  /** The actions the server allows; derived from status only if an older API omits them. */
  function allowedActions(data) {
    if (Array.isArray(data.allowedActions)) return data.allowedActions;
    const senior = state.session && state.session.role !== 'reviewer';
    if (data.status === 'in_review') return ['approve', 'reject', 'request_documents', 'escalate'].concat(senior ? ['report'] : []);
    if (data.status === 'escalated' && senior) return ['approve', 'reject', 'request_documents', 'report'];
    return [];
  }

  function isSenior() {
    return Boolean(state.session) && (state.session.role === 'senior' || state.session.role === 'admin');
  }

  function renderCase() {
    const k = state.kase;
    const root = $('case');
    // The reason text lives in state (kept by its input handler), so a re-render
    // never loses it; give the focus back to it too.
    const reasonEl = $('reason');
    const hadReasonFocus = reasonEl && document.activeElement === reasonEl;

    root.textContent = '';
    if (k.error && !k.data) {
      root.removeAttribute('data-check-id');
      root.append(caseNav(), h('div', { className: 'notice notice-error', role: 'alert' }, k.error.status === 404 ? `Case ${k.id} was not found.` : k.error.message));
      document.title = 'Case not found – Review console';
      return;
    }
    const data = k.data;
    if (!data) return;

    root.dataset.checkId = data.checkId;
    document.title = `${data.orderId || data.checkId} – Review console`;
    root.append(caseNav(), caseHeader(data), caseTabs(data));
    if (k.tab === 'audit') {
      root.append(auditSection());
    } else {
      root.append(
        h(
          'div',
          { className: 'case-grid' },
          h('div', { className: 'case-main' }, documentsSection(data), riskSection(data), orderSection(data), timelineSection(data)),
          h('div', { className: 'case-side' }, claimSection(data), decisionSection(data), verificationSection(data)),
        ),
      );
    }
    tick();
    if (hadReasonFocus && $('reason')) {
      const el = $('reason');
      el.focus();
      el.setSelectionRange(el.value.length, el.value.length);
    } else if (k.focusOnRender) {
      k.focusOnRender = false;
      const title = root.querySelector('h1');
      if (title) title.focus();
    }
  }

  function caseNav() {
    const items = state.queue.items;
    const idx = items.findIndex((it) => it.checkId === state.kase.id);
    return h(
      'nav',
      { className: 'case-nav', 'aria-label': 'Case navigation' },
      h('a', { href: '#/queue' }, '← Queue'),
      idx >= 0 ? h('span', { className: 'muted small' }, `Case ${idx + 1} of ${items.length} loaded`) : null,
      h('button', { type: 'button', className: 'btn btn-small', onclick: () => stepCase(-1), title: 'Previous case (k)' }, '‹ Prev'),
      h('button', { type: 'button', className: 'btn btn-small', onclick: () => stepCase(1), title: 'Next case (j)' }, 'Next ›'),
      h('button', { type: 'button', className: 'btn btn-small', onclick: showShortcuts, title: 'Keyboard shortcuts (?)' }, 'Shortcuts'),
    );
  }

  function caseHeader(data) {
    const risk = data.risk || {};
    return h(
      'header',
      { className: 'case-head' },
      h('h1', { tabindex: '-1' }, 'Order ', h('span', { className: 'mono' }, data.orderId || '—')),
      h(
        'div',
        { className: 'case-facts' },
        h('span', { id: 'case-status', className: `badge badge-${STATUS_TONES[data.status] || 'info'}`, 'data-status': data.status }, statusLabel(data.status)),
        overdueBadge(data),
        h('span', {}, badge(risk.band || '—', BAND_TONES[risk.band]), ' score ', h('strong', {}, risk.score ?? '—')),
        h('span', {}, 'SLA ', slaOf(data) ? h('strong', { 'data-sla-due': slaOf(data), className: 'sla' }) : h('span', { className: 'muted' }, '—')),
        data.fulfilment ? h('span', {}, 'Fulfilment ', h('strong', {}, data.fulfilment)) : null,
        h('span', { className: 'muted mono small' }, data.checkId),
      ),
    );
  }

  function caseTabs(data) {
    const tab = state.kase.tab;
    const link = (name, label) =>
      h('a', { href: caseHash(data.checkId, name), className: 'case-tab', 'aria-current': tab === name ? 'page' : false }, label);
    return h('nav', { className: 'case-tabs', 'aria-label': 'Case views' }, link('case', 'Case'), link('audit', 'Audit trail'));
  }

  function section(title, ...content) {
    const id = `sec-${title.toLowerCase().replace(/[^a-z]+/g, '-')}`;
    return h('section', { className: 'panel', 'aria-labelledby': id }, h('h2', { id }, title), content);
  }

  /** A definition list of [label, value] pairs; pairs with an empty value are skipped. */
  function facts(pairs) {
    const dl = h('dl', { className: 'facts' });
    for (const [label, value] of pairs) {
      if (value === undefined || value === null || value === '') continue;
      dl.append(h('dt', {}, label), h('dd', {}, value));
    }
    return dl;
  }

  // --- risk

  function riskSection(data) {
    const risk = data.risk || {};
    const reasons = (risk.reasons || []).slice().sort((a, b) => (b.points || 0) - (a.points || 0));
    return section(
      'Risk',
      h(
        'p',
        { className: 'risk-line' },
        h('span', { className: 'risk-score' }, risk.score ?? '—'),
        ' ',
        badge(risk.band || '—', BAND_TONES[risk.band]),
        risk.rulesetVersion ? h('span', { className: 'muted small' }, ` ruleset ${risk.rulesetVersion}`) : null,
      ),
      reasons.length
        ? h(
            'table',
            { className: 'data-table' },
            h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Code'), h('th', { scope: 'col', className: 'num' }, 'Points'), h('th', { scope: 'col' }, 'Detail'))),
            h(
              'tbody',
              {},
              reasons.map((r) =>
                h('tr', {}, h('td', { className: 'mono' }, r.code), h('td', { className: 'num' }, r.points > 0 ? `+${r.points}` : r.points), h('td', {}, r.detail || '')),
              ),
            ),
          )
        : h('p', { className: 'muted' }, 'No risk reasons recorded.'),
    );
  }

  // --- order

  function resultBadge(value) {
    if (!value) return null;
    const tone = { match: 'ok', authenticated: 'ok', partial: 'warn', attempted: 'warn', mismatch: 'danger', failed: 'danger' }[value];
    return badge(humanize(value), tone);
  }

  function addressText(addr) {
    if (!addr || typeof addr !== 'object') return null;
    const lines = [addr.line1, addr.line2, [addr.postalCode, addr.city].filter(Boolean).join(' '), [addr.region, addr.country].filter(Boolean).join(', ')].filter(Boolean);
    return lines.length ? h('span', { className: 'address' }, lines.map((l, i) => [i ? h('br') : null, l])) : null;
  }

  /** Billing / shipping / card / IP countries side by side; any that differ from billing stand out. */
  function countriesTable(order) {
    const rows = [
      ['Billing', order.billingAddress && order.billingAddress.country],
      ['Shipping', order.shippingAddress && order.shippingAddress.country],
      ['Card', order.payment && order.payment.card && order.payment.card.country],
      ['IP', order.device && order.device.ipCountry],
    ];
    if (!rows.some(([, c]) => c)) return null;
    const base = rows[0][1] || rows.find(([, c]) => c)[1];
    return h(
      'table',
      { className: 'data-table countries' },
      h('caption', { className: 'sr-only' }, 'Countries'),
      h('thead', {}, h('tr', {}, rows.map(([label]) => h('th', { scope: 'col' }, label)))),
      h(
        'tbody',
        {},
        h(
          'tr',
          {},
          rows.map(([, c]) =>
            h('td', {}, c ? (c !== base ? [badge(c, 'danger'), h('span', { className: 'sr-only' }, ' (differs from billing)')] : h('strong', {}, c)) : h('span', { className: 'muted' }, '—')),
          ),
        ),
      ),
    );
  }

  function itemsTable(order) {
    const items = Array.isArray(order.items) ? order.items : [];
    if (!items.length) return null;
    const currency = order.currency;
    return h(
      'table',
      { className: 'data-table' },
      h('caption', { className: 'table-caption' }, `Items (${items.length})`),
      h(
        'thead',
        {},
        h('tr', {}, ['Item', 'Category', 'Qty', 'Unit', 'Total'].map((t, i) => h('th', { scope: 'col', className: i >= 2 ? 'num' : '' }, t))),
      ),
      h(
        'tbody',
        {},
        items.map((it) =>
          h(
            'tr',
            {},
            h('td', {}, it.name || '—', it.sku ? h('div', { className: 'muted small mono' }, it.sku) : null),
            h('td', {}, it.category || '—'),
            h('td', { className: 'num' }, it.quantity ?? '—'),
            h('td', { className: 'num' }, fmtMoney(it.unitAmount, currency)),
            h('td', { className: 'num' }, typeof it.unitAmount === 'number' && typeof it.quantity === 'number' ? fmtMoney(it.unitAmount * it.quantity, currency) : '—'),
          ),
        ),
      ),
    );
  }

  /** Every field of the order as path = value, so nothing the API sends is hidden. */
  function flatten(value, prefix, out) {
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      for (const [k, v] of Object.entries(value)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
    } else if (Array.isArray(value) && value.some((v) => v && typeof v === 'object')) {
      value.forEach((v, i) => flatten(v, `${prefix}[${i}]`, out));
    } else {
      out.push([prefix, Array.isArray(value) ? value.join(', ') : String(value)]);
    }
    return out;
  }

  function orderSection(data) {
    const order = data.order || {};
    const customer = order.customer || {};
    const payment = order.payment || {};
    const card = payment.card || {};
    const device = order.device || {};
    const amount = order.amount ?? data.amount;
    const currency = order.currency ?? data.currency;
    const chargebacks = customer.previousChargebacks;

    const left = facts([
      ['Amount', h('strong', {}, fmtMoney(amount, currency))],
      ['Placed', order.placedAt ? timeEl(order.placedAt) : null],
      ['Channel', order.channel],
      ['Customer', [customer.name, customer.email, customer.phone, customer.id].filter(Boolean).join(' · ') || null],
      ['Account age', customer.accountCreatedAt ? `${fmtAge(customer.accountCreatedAt, order.placedAt || data.createdAt)} (since ${fmtDateTime(customer.accountCreatedAt)})` : null],
      ['Previous orders', customer.previousOrders],
      ['Chargebacks', typeof chargebacks === 'number' ? (chargebacks > 0 ? badge(String(chargebacks), 'danger') : '0') : null],
    ]);
    const right = facts([
      ['Payment', payment.method],
      ['Card', card.bin || card.last4 ? h('span', { className: 'mono' }, `${card.bin || '······'} ···· ${card.last4 || '····'}`) : null],
      ['AVS', resultBadge(payment.avsResult)],
      ['CVV', resultBadge(payment.cvvResult)],
      ['3-D Secure', resultBadge(payment.threeDSecure)],
      ['Failed attempts', typeof payment.failedAttempts === 'number' ? (payment.failedAttempts > 0 ? badge(String(payment.failedAttempts), 'warn') : '0') : null],
      ['IP', device.ip ? h('span', { className: 'mono' }, device.ip) : null],
      ['Proxy / VPN', typeof device.isProxy === 'boolean' ? (device.isProxy ? badge('yes', 'danger') : 'no') : null],
      ['Device', device.fingerprint ? h('span', { className: 'mono' }, device.fingerprint) : null],
    ]);
    const addresses = facts([
      ['Billing address', addressText(order.billingAddress)],
      ['Shipping address', addressText(order.shippingAddress)],
      ['User agent', device.userAgent ? h('span', { className: 'small' }, device.userAgent) : null],
    ]);

    const all = flatten(order, '', []);
    return section(
      'Order',
      h('div', { className: 'order-cols' }, left, right),
      countriesTable(order),
      addresses,
      itemsTable(order),
      all.length
        ? h(
            'details',
            { className: 'all-fields' },
            h('summary', {}, `All order fields (${all.length})`),
            h('table', { className: 'data-table' }, h('tbody', {}, all.map(([k, v]) => h('tr', {}, h('th', { scope: 'row', className: 'mono' }, k), h('td', { className: 'mono' }, v))))),
          )
        : h('p', { className: 'muted' }, 'No order metadata.'),
    );
  }

  // --- verification

  function verificationSection(data) {
    const v = data.verification;
    if (!v) return null;
    return section(
      'Documents requested',
      facts([
        ['Kinds', (v.requested || []).map((kind) => KIND_LABELS[kind] || humanize(kind)).join(', ') || '—'],
        ['Round', v.round],
        ['Deadline', v.expiresAt ? [timeEl(v.expiresAt), ' ', h('span', { className: 'muted small', 'data-sla-due': v.expiresAt })] : null],
      ]),
    );
  }

  // --- documents

  function documentsSection(data) {
    const docs = (data.documents || []).slice().sort((a, b) => {
      const ka = KIND_ORDER.indexOf(a.kind);
      const kb = KIND_ORDER.indexOf(b.kind);
      if (ka !== kb) return ka - kb;
      return (Date.parse(b.uploadedAt) || 0) - (Date.parse(a.uploadedAt) || 0);
    });
    return section(
      'Documents',
      data.purged ? h('p', { className: 'notice notice-warn' }, 'The retention period has ended: the document contents were destroyed. Metadata remains.') : null,
      docs.length ? h('div', { className: 'doc-grid' }, docs.map((doc) => documentCard(data, doc))) : h('p', { className: 'muted' }, 'No documents uploaded.'),
    );
  }

  function isPdf(doc) {
    return doc.contentType === 'application/pdf';
  }

  function fmtBytes(n) {
    if (typeof n !== 'number') return null;
    if (n < 1024) return `${n} B`;
    if (n < 1024 * 1024) return `${Math.round(n / 1024)} KB`;
    return `${(n / 1048576).toFixed(1)} MB`;
  }

  function fmtNumber(n) {
    return typeof n === 'number' ? (Number.isInteger(n) ? String(n) : n.toFixed(2)) : null;
  }

  function documentCard(data, doc) {
    const [statusText, tone] = DOC_STATUS[doc.status] || [doc.status || '—', ''];
    const kindLabel = KIND_LABELS[doc.kind] || humanize(doc.kind || 'document');
    // Every content fetch is audited, so ask only for variants the API says exist.
    const hasThumb = !Array.isArray(doc.variants) || doc.variants.includes('thumbnail');
    const thumb = h('span', { className: 'thumb-placeholder' }, hasThumb ? 'Loading…' : isPdf(doc) ? 'PDF' : 'No preview');
    const thumbButton = h(
      'button',
      {
        type: 'button',
        className: `thumb-btn${hasThumb ? '' : ' no-thumb'}`,
        'aria-label': `Open ${kindLabel.toLowerCase()} document ${doc.documentId} larger`,
        disabled: !hasThumb || data.purged,
        onclick: (e) => openViewer(doc, 'preview', e.currentTarget),
      },
      thumb,
    );
    if (data.purged) thumb.textContent = 'Destroyed';
    else if (hasThumb) loadThumbnail(data.checkId, doc, thumbButton, thumb);

    const flags = (doc.flags || []).map((f) => badge(DOC_REASONS[f] || humanize(f), f.startsWith('duplicate') ? 'danger' : 'warn'));
    const q = doc.quality;
    const typeText = isPdf(doc) ? `PDF${doc.pages ? `, ${doc.pages} page${doc.pages === 1 ? '' : 's'}` : ''}` : doc.contentType;

    return h(
      'article',
      { className: `doc-card doc-${doc.status || 'unknown'}`, 'data-document': doc.documentId },
      h('header', { className: 'doc-head' }, h('h3', {}, kindLabel), badge(statusText, tone)),
      thumbButton,
      doc.status === 'rejected'
        ? h('p', { className: 'doc-reason' }, 'Rejected: ', h('strong', {}, DOC_REASONS[doc.reason] || humanize(doc.reason || 'no reason given')), doc.reason ? h('span', { className: 'muted mono small' }, ` (${doc.reason})`) : null)
        : null,
      flags.length ? h('p', { className: 'doc-flags' }, flags) : null,
      duplicatesList(data, doc),
      facts([
        ['Type', typeText],
        ['Size', fmtBytes(doc.size)],
        ['Pixels', doc.width && doc.height ? `${doc.width} × ${doc.height}` : null],
        ['Quality', q ? [`sharpness ${fmtNumber(q.sharpness) ?? '—'}`, `brightness ${fmtNumber(q.brightness) ?? '—'}`].join(', ') : null],
        ['Uploaded', doc.uploadedAt ? timeEl(doc.uploadedAt) : null],
        ['ID', h('span', { className: 'mono small' }, doc.documentId)],
      ]),
      documentActions(data, doc),
    );
  }

  /** "This document was already used on case chk_…" — with a link to that case. */
  function duplicatesList(data, doc) {
    const dups = doc.duplicates || [];
    if (!dups.length) return null;
    return h(
      'ul',
      { className: 'dup-list' },
      dups.map((d) => {
        const how = d.exact ? 'exact copy' : `similar image${typeof d.distance === 'number' ? `, distance ${d.distance}` : ''}`;
        if (d.checkId === data.checkId) {
          return h('li', {}, `The same document was uploaded earlier on this case (${how}).`);
        }
        return h('li', {}, 'This document was already used on case ', h('a', { href: caseHash(d.checkId), className: 'mono' }, d.checkId), ` (${how}).`);
      }),
    );
  }

  function documentActions(data, doc) {
    if (data.purged) return null;
    const errorEl = h('p', { className: 'field-error', role: 'alert' });
    const buttons = [];
    const pdfLabel = `PDF, ${doc.pages || '?'} page${doc.pages === 1 ? '' : 's'}`;
    if (isPdf(doc) && isSenior()) {
      buttons.push(h('button', { type: 'button', className: 'btn-link', onclick: () => openOriginal(data.checkId, doc, errorEl) }, `${pdfLabel} — open original`));
    } else if (isPdf(doc)) {
      // Originals need the senior role (API: document.original); say so rather than offer a 403.
      buttons.push(h('span', { className: 'muted small' }, `${pdfLabel} — the original opens for senior reviewers and admins.`));
    } else if (isSenior()) {
      buttons.push(h('button', { type: 'button', className: 'btn btn-small', onclick: (e) => openViewer(doc, 'original', e.currentTarget) }, 'View original'));
    }
    if (!buttons.length) return null;
    return h('div', { className: 'doc-actions' }, buttons, isSenior() ? h('span', { className: 'muted small' }, 'Originals keep metadata; viewing is audited.') : null, errorEl);
  }

  /** Thumbnails arrive through fetch (bearer token) and are shown via a blob: URL. */
  async function loadThumbnail(checkId, doc, button, placeholder) {
    try {
      const blob = await documentBlob(checkId, doc.documentId, 'thumbnail');
      if (state.kase.id !== checkId) return;
      const img = h('img', { className: 'thumb', src: blob.url, alt: `${KIND_LABELS[doc.kind] || doc.kind} document thumbnail`, 'data-document-id': doc.documentId });
      placeholder.replaceWith(img);
    } catch (err) {
      placeholder.textContent = isPdf(doc) ? 'PDF' : err.status === 404 || err.status === 409 ? 'No preview yet' : 'Preview unavailable';
      placeholder.title = err.message;
      button.classList.add('no-thumb');
    }
  }

  /** Originals: images open in the viewer; PDFs (and anything else) download. */
  async function openOriginal(checkId, doc, errorEl) {
    errorEl.textContent = '';
    try {
      const blob = await documentBlob(checkId, doc.documentId, 'original');
      if (blob.type.startsWith('image/')) {
        openViewer(doc, 'original', document.activeElement);
      } else {
        const ext = blob.type === 'application/pdf' ? '.pdf' : '';
        download(blob.url, `${doc.documentId}${ext}`);
      }
    } catch (err) {
      errorEl.textContent = err.message;
    }
  }

  // --- timeline

  function timelineSection(data) {
    const entries = data.timeline || [];
    return section(
      'Timeline',
      entries.length
        ? h(
            'table',
            { className: 'data-table timeline' },
            h('thead', {}, h('tr', {}, ['At', 'Event', 'From → to', 'Actor', 'Reason'].map((t) => h('th', { scope: 'col' }, t)))),
            h(
              'tbody',
              {},
              entries.map((e) =>
                h(
                  'tr',
                  {},
                  h('td', { className: 'nowrap' }, timeEl(e.at)),
                  h('td', {}, humanize(e.event || '')),
                  h('td', { className: 'nowrap' }, e.from ? `${statusLabel(e.from)} → ` : '', statusLabel(e.to)),
                  h('td', {}, actorText(e.actor)),
                  h('td', {}, e.reason || ''),
                ),
              ),
            ),
          )
        : h('p', { className: 'muted' }, 'No events yet.'),
    );
  }

  // --- claim

  function claimSection(data) {
    const k = state.kase;
    const claim = data.claim;
    const me = state.session.sub;
    const active = claim && claim.assignee && (!claim.leaseExpiresAt || toDate(claim.leaseExpiresAt) > new Date());
    const mine = active && claim.assignee === me;
    const open = allowedActions(data).length > 0 || data.status === 'in_review' || data.status === 'escalated';

    let holder;
    if (!claim || !claim.assignee) holder = h('span', {}, 'Not claimed.');
    else {
      holder = h(
        'span',
        {},
        active ? 'Claimed by ' : 'Was claimed by ',
        h('strong', {}, claim.assignee === me ? 'you' : claim.assignee),
        ' ',
        claim.leaseExpiresAt ? h('span', { 'data-lease-until': claim.leaseExpiresAt }) : null,
      );
    }
    return section(
      'Claim',
      h('p', { id: 'claim-holder', className: 'claim-holder' }, holder),
      h(
        'button',
        { type: 'button', id: 'claim', className: `btn ${mine ? '' : 'btn-primary'}`, disabled: !open || k.busy, onclick: claimCase, title: 'Claim (c)' },
        mine && open ? 'Extend claim' : 'Claim',
        h('kbd', { className: 'key-hint', 'aria-hidden': 'true' }, 'c'),
      ),
      open ? null : h('p', { className: 'muted small' }, data.status === 'awaiting_documents' ? 'Waiting for the customer’s documents.' : 'This case is closed.'),
      h('p', { id: 'claim-error', className: 'field-error', role: 'alert' }, k.claimError),
    );
  }

  async function claimCase() {
    const k = state.kase;
    if (!k.data || k.busy) return;
    const seq = k.seq;
    k.claimError = '';
    k.busy = true;
    try {
      const claim = await api(`${casePath(k.id)}/claim`, { method: 'POST' });
      if (seq !== k.seq) return;
      k.data.claim = claim;
      flash(`Claimed ${k.data.orderId || k.id} until ${claim && claim.leaseExpiresAt ? timeFmt.format(new Date(claim.leaseExpiresAt)) : '—'}.`, 'ok');
      loadQueue({ keepCount: true });
    } catch (err) {
      if (seq !== k.seq) return;
      k.claimError = err.message;
      if (err.status === 409) loadCase(); // show who holds it now
    } finally {
      if (seq === k.seq) k.busy = false;
    }
    if (seq === k.seq) renderCase();
  }

  // --- decision

  function decisionSection(data) {
    const k = state.kase;
    const allowed = allowedActions(data);
    const names = ['approve', 'reject', 'request_documents', 'escalate'].concat(isSenior() ? ['report'] : []);
    if (k.action && !allowed.includes(k.action)) k.action = null;

    const buttons = names.map((name) => {
      const a = ACTIONS[name];
      const enabled = allowed.includes(name);
      return h(
        'button',
        {
          type: 'button',
          className: `btn decision-btn ${k.action === name ? a.tone || 'btn-primary' : ''}`,
          'data-decision': name,
          'aria-pressed': String(k.action === name),
          disabled: !enabled,
          title: enabled ? (a.key ? `${a.label} (${a.key})` : a.label) : `Not available while the case is ${statusLabel(data.status).toLowerCase()}`,
          onclick: () => chooseAction(name),
        },
        a.label,
        a.key ? h('kbd', { className: 'key-hint', 'aria-hidden': 'true' }, a.key) : null,
      );
    });

    const claim = data.claim;
    const mine = claim && claim.assignee === state.session.sub && (!claim.leaseExpiresAt || toDate(claim.leaseExpiresAt) > new Date());
    const hints = [];
    if (allowed.length && !mine) hints.push('Claim the case before deciding (press c).');
    if (data.status === 'escalated' && !isSenior()) hints.push('Escalated cases need a senior reviewer or an admin.');

    const kinds = h(
      'fieldset',
      { className: 'kinds', hidden: k.action !== 'request_documents' },
      h('legend', {}, 'Documents to request'),
      KIND_ORDER.map((kind) =>
        h(
          'label',
          { className: 'check' },
          h('input', {
            type: 'checkbox',
            name: 'requested',
            value: kind,
            checked: k.requested.has(kind),
            onchange: (e) => (e.target.checked ? k.requested.add(kind) : k.requested.delete(kind)),
          }),
          ` ${KIND_LABELS[kind]}`,
        ),
      ),
    );

    const reason = h('textarea', {
      id: 'reason',
      rows: '3',
      required: true,
      'aria-describedby': 'decision-error',
      oninput: (e) => (k.reason = e.target.value),
    });
    reason.value = k.reason;

    const chosen = k.action ? ACTIONS[k.action] : null;
    return section(
      'Decision',
      h('div', { className: 'decision-buttons', role: 'group', 'aria-label': 'Action' }, buttons),
      hints.length ? h('p', { className: 'muted small hint' }, hints.join(' ')) : null,
      kinds,
      h('label', { for: 'reason', className: 'reason-label' }, 'Reason ', h('span', { className: 'muted small' }, '(required, kept in the audit trail)')),
      reason,
      h('p', { id: 'decision-error', className: 'field-error', role: 'alert' }, k.decisionError),
      h(
        'button',
        {
          type: 'button',
          id: 'submit-decision',
          className: `btn ${chosen ? chosen.tone || 'btn-primary' : 'btn-primary'}`,
          disabled: !chosen || k.busy,
          onclick: submitDecision,
        },
        k.busy ? 'Sending…' : chosen ? chosen.submit : 'Choose an action',
      ),
    );
  }

  function chooseAction(name) {
    const k = state.kase;
    if (!k.data || !allowedActions(k.data).includes(name)) {
      flash(`${ACTIONS[name].label} is not available for this case now.`, 'error');
      return;
    }
    k.action = name;
    k.decisionError = '';
    renderCase();
    const first = name === 'request_documents' && k.requested.size === 0 ? document.querySelector('#case .kinds input') : $('reason');
    if (first) first.focus();
  }

  async function submitDecision() {
    const k = state.kase;
    if (!k.data || !k.action || k.busy) return;
    const reasonEl = $('reason');
    k.reason = reasonEl ? reasonEl.value : k.reason;
    const reason = k.reason.trim();
    const body = { action: k.action, reason };
    if (k.action === 'request_documents') {
      body.requested = KIND_ORDER.filter((kind) => k.requested.has(kind));
      if (!body.requested.length) return decisionProblem('Choose at least one kind of document to request.');
    }
    if (!reason) return decisionProblem('Write a reason: it is recorded with the decision.');

    const seq = k.seq;
    const label = ACTIONS[k.action].label;
    k.busy = true;
    k.decisionError = '';
    renderCase();
    try {
      const result = await api(`${casePath(k.id)}/decision`, { method: 'POST', body });
      if (seq !== k.seq) return;
      k.action = null;
      k.reason = '';
      k.requested = new Set();
      k.busy = false;
      if (result && result.checkId === k.id && result.status) k.data = result;
      flash(`${label}: recorded for ${k.data.orderId || k.id}.`, 'ok');
      renderCase();
      loadCase(); // the answer may be a summary; fetch the full case (timeline, claim)
      loadQueue({ keepCount: true });
    } catch (err) {
      if (seq !== k.seq) return;
      k.busy = false;
      k.decisionError = err.message;
      renderCase();
      if (err.status === 409) loadCase(); // the case moved on: show where it is now
    }
  }

  function decisionProblem(message) {
    state.kase.decisionError = message;
    renderCase();
    const el = $('reason');
    if (el) el.focus();
  }

  // --- audit

  function auditSection() {
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
                    h('td', { className: 'detail' }, detailText(e.detail)),
                    h('td', { className: 'mono small', title: e.hash || '' }, e.hash ? `${String(e.hash).slice(0, 12)}…` : '—'),
                  ),
                ),
              ),
            ),
          )
        : h('p', { className: 'muted' }, 'No audit entries.'),
    );
  }

  function detailText(detail) {
    if (detail === null || detail === undefined || detail === '') return '';
    if (typeof detail !== 'object') return String(detail);
    return h('code', {}, Object.entries(detail).map(([k, v]) => `${k}: ${typeof v === 'object' ? JSON.stringify(v) : v}`).join(' · '));
  }

  // ------------------------------------------------------------------ viewer

  async function openViewer(doc, variant, opener) {
    const v = state.viewer;
    const dialog = $('viewer');
    const seq = ++v.seq;
    Object.assign(v, { doc, variant, zoom: 1, rotate: 0, fit: true, natW: 0, natH: 0, opener: opener || document.activeElement });
    $('viewer-title').textContent = `${KIND_LABELS[doc.kind] || humanize(doc.kind || 'Document')} — ${doc.documentId}${variant === 'original' ? ' (original)' : ''}`;
    $('viewer-status').textContent = 'Loading…';
    $('viewer-original').hidden = !(isSenior() && variant !== 'original');
    const img = $('viewer-img');
    img.removeAttribute('src');
    img.alt = `${KIND_LABELS[doc.kind] || doc.kind} document ${doc.documentId}`;
    img.hidden = true;
    if (!dialog.open) dialog.showModal();
    applyView();
    try {
      const blob = await documentBlob(state.kase.id, doc.documentId, variant);
      if (seq !== v.seq) return;
      if (!blob.type.startsWith('image/')) {
        // A PDF original: the browser's viewer would need a new window; download it instead.
        $('viewer-status').textContent = 'This original is not an image; it has been downloaded.';
        download(blob.url, `${doc.documentId}.pdf`);
        return;
      }
      img.src = blob.url;
    } catch (err) {
      if (seq === v.seq) $('viewer-status').textContent = err.message;
    }
  }

  function onViewerImageLoad() {
    const v = state.viewer;
    const img = $('viewer-img');
    v.natW = img.naturalWidth;
    v.natH = img.naturalHeight;
    img.hidden = false;
    $('viewer-status').textContent = '';
    fitView();
  }

  /** Writes zoom and rotation as CSS custom properties (CSSOM is allowed under the CSP). */
  function applyView() {
    const v = state.viewer;
    const dialog = $('viewer');
    dialog.style.setProperty('--zoom', String(v.zoom));
    dialog.style.setProperty('--rotate', `${v.rotate}deg`);
    dialog.style.setProperty('--nat-w', String(v.natW));
    dialog.style.setProperty('--nat-h', String(v.natH));
    // A quarter turn swaps width and height of the box the image needs.
    dialog.classList.toggle('is-quarter-turn', v.rotate % 180 !== 0);
    $('zoom-level').textContent = `${Math.round(v.zoom * 100)}%`;
  }

  function fitView() {
    const v = state.viewer;
    v.fit = true;
    if (v.natW && v.natH) {
      const stage = $('viewer-stage');
      const quarter = v.rotate % 180 !== 0;
      const w = quarter ? v.natH : v.natW;
      const hgt = quarter ? v.natW : v.natH;
      const availW = Math.max(50, stage.clientWidth - 24);
      const availH = Math.max(50, stage.clientHeight - 24);
      v.zoom = Math.min(availW / w, availH / hgt, 4);
    }
    applyView();
  }

  function zoomBy(factor) {
    const v = state.viewer;
    v.fit = false;
    v.zoom = Math.min(10, Math.max(0.05, v.zoom * factor));
    applyView();
  }

  function rotateView() {
    const v = state.viewer;
    v.rotate = (v.rotate + 90) % 360;
    if (v.fit) fitView();
    else applyView();
  }

  function closeViewer() {
    $('viewer').close();
  }

  // ------------------------------------------------------------------ keyboard

  function showShortcuts() {
    const d = $('shortcuts');
    if (!d.open) d.showModal();
  }

  /** j/k on a case: the next/previous case of the loaded queue. */
  async function stepCase(step) {
    if (!state.queue.loaded) await loadQueue();
    const items = state.queue.items;
    if (!items.length) return flash('The queue is empty.', 'info');
    const idx = items.findIndex((it) => it.checkId === state.kase.id);
    const next = idx < 0 ? items[0] : items[idx + step];
    if (!next) return flash(step > 0 ? 'This is the last case loaded in the queue.' : 'This is the first case in the queue.', 'info');
    location.hash = caseHash(next.checkId);
  }

  function onKeyDown(e) {
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
    const byKey = { a: 'approve', r: 'reject', e: 'escalate', d: 'request_documents' };
    if (key === 'Escape') {
      e.preventDefault();
      location.hash = '#/queue';
    } else if (key === 'c') {
      e.preventDefault();
      if (state.kase.tab !== 'case') location.hash = caseHash(state.kase.id);
      claimCase();
    } else if (byKey[key]) {
      // preventDefault: the key must not also type itself into the reason box we focus.
      e.preventDefault();
      if (state.kase.tab !== 'case') {
        location.hash = caseHash(state.kase.id);
        setTimeout(() => chooseAction(byKey[key]), 0);
      } else chooseAction(byKey[key]);
    } else if (key === 'j' || key === 'k') {
      e.preventDefault();
      stepCase(key === 'j' ? 1 : -1);
    }
  }

  function viewerKey(e) {
    if (e.target && isEditable(e.target)) return;
    const actions = { '+': () => zoomBy(1.25), '=': () => zoomBy(1.25), '-': () => zoomBy(0.8), 0: fitView, r: rotateView };
    const fn = actions[e.key];
    if (fn) {
      e.preventDefault();
      fn();
    }
  }

  // ------------------------------------------------------------------ wiring

  function wire() {
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

    $('zoom-in').addEventListener('click', () => zoomBy(1.25));
    $('zoom-out').addEventListener('click', () => zoomBy(0.8));
    $('zoom-fit').addEventListener('click', fitView);
    $('rotate').addEventListener('click', rotateView);
    $('viewer-close').addEventListener('click', closeViewer);
    $('viewer-original').addEventListener('click', () => {
      const v = state.viewer;
      if (v.doc) openViewer(v.doc, 'original', v.opener);
    });
    $('viewer-img').addEventListener('load', onViewerImageLoad);
    $('viewer').addEventListener('click', (e) => {
      if (e.target === $('viewer')) closeViewer(); // a click on the backdrop
    });
    $('viewer').addEventListener('close', () => {
      const opener = state.viewer.opener;
      state.viewer.seq++;
      if (opener && opener.isConnected) opener.focus();
    });
    window.addEventListener('resize', () => {
      if ($('viewer').open && state.viewer.fit) fitView();
    });

    document.addEventListener('keydown', onKeyDown);
    window.addEventListener('hashchange', route);

    setInterval(tick, 1000);
    setInterval(() => {
      if (state.session && !document.hidden && !state.queue.loading) loadQueue({ keepCount: true });
    }, QUEUE_REFRESH_MS);
  }

  function start() {
    wire();
    loadFilters();
    restoreSession();
    route();
  }

  start();
})();
