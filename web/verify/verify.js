/*
 * Customer upload page (GET /verify/:token).
 *
 * One file on purpose (over 400 lines): the page a customer opens from an
 * e-mail on any phone is one classic script with no module graph to load; its
 * parts (request, per-kind upload cards, progress, errors) are sections below.
 *
 * The token in the URL is the customer's only credential, so the page reads it
 * from the last path segment and sends it back in API paths — never in a header,
 * cookie or storage. Everything is rendered with textContent / DOM methods (no
 * innerHTML with data) and there is no inline script or style, because the page
 * runs under a strict Content-Security-Policy.
 *
 * API used (same origin):
 *   GET  /v1/verification/:token             -> request, deadline, documents
 *   POST /v1/verification/:token/documents   -> multipart (kind, file), 202
 */
/* global document, window, location, navigator, XMLHttpRequest, FormData, setInterval */
'use strict';

(() => {
  const ACCEPT = 'image/jpeg,image/png,image/webp,application/pdf';
  const ACCEPTED_TYPES = new Set(ACCEPT.split(','));

  /** What each document kind is and how to get it right first time. */
  const KINDS = {
    identity: {
      title: 'Proof of identity',
      what: 'A photo of the front of your passport, national ID card or driving licence.',
      tips: [
        'Show the whole document, with all four corners in the picture.',
        'Your name, photo and date of birth must be readable.',
        'Use good light and avoid glare from the flash.',
      ],
    },
    address: {
      title: 'Proof of address',
      what: 'A utility bill or bank statement from the last 3 months that shows your name and address.',
      tips: [
        'It must be dated within the last 3 months.',
        'Your name and full address must be clearly visible.',
        'A PDF from your bank or utility provider is fine.',
      ],
    },
    payment_ownership: {
      title: 'Proof you own the payment card',
      what: 'A photo of the card used for this order with all but the last 4 digits covered, or a bank statement showing the charge.',
      tips: [
        'Cover every card digit except the last 4, and never show the security code (CVV).',
        'Your name on the card should be visible.',
        'Or send a statement or screenshot from your bank showing this charge and your name.',
      ],
    },
  };

  /** Rejection reasons (codes from the API) in plain words, with what to do next. */
  const REASONS = {
    unreadable: 'We could not read this file. Please upload a clear photo or PDF.',
    too_small: 'The image is too small for us to read. Please take the photo closer to the document, or upload a larger image.',
    blurry: 'The photo is blurry. Hold your phone steady, make sure the document is in focus, and try again.',
    too_dark: 'The photo is too dark. Please take it again in good light.',
    overexposed: 'The photo is too bright or has glare on it. Avoid direct light or the flash, and try again.',
    unsupported_type: 'We cannot accept this type of file. Please upload a JPEG, PNG or WebP photo, or a PDF.',
    encrypted: 'This is a password-protected PDF. Please upload a copy without a password, or a photo of the document.',
    scripted: 'This PDF contains scripts or interactive content, which we cannot accept. Please upload a plain PDF or a photo.',
    attachments: 'This PDF contains attached files, which we cannot accept. Please upload a plain PDF or a photo.',
    too_many_pages: 'This PDF has too many pages. Please upload only the pages that show the information we asked for.',
    too_large_dimensions: 'This image is too large (in pixels) for us to process. Please upload a normal photo or a screenshot.',
    file_too_large: 'This file is too large. Please upload a smaller photo or PDF.',
  };
  const GENERIC_REASON = 'We could not accept this document. Please upload a different, clear photo or PDF of the document we asked for.';

  /** How often to ask for news: quickly while a file is being checked, slowly otherwise. */
  const POLL_FAST_MS = 2000;
  const POLL_SLOW_MS = 20000;
  const POLL_HIDDEN_MS = 60000;
  /** How long to trust our own record of an upload that the status answer does not list yet. */
  const PENDING_GRACE_MS = 60000;

  const state = {
    token: null,
    data: null,
    closed: false, // no more polling: final answer shown
    pollTimer: null,
    cards: new Map(), // kind -> { section, status, controls, ... }
    selected: new Map(), // kind -> File
    previewUrls: new Map(), // kind -> blob: URL of the chosen image
    uploading: new Set(), // kinds with an upload in flight
    pending: new Map(), // kind -> { documentId, since } accepted by the API (202) but maybe not listed yet
    errors: new Map(), // kind -> last upload error text (kept across re-renders)
  };

  const $ = (id) => document.getElementById(id);

  /** Creates an element with attributes and children (strings become text nodes). */
  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === false || value === null || value === undefined) continue;
      if (name === 'className') el.className = value;
      else if (name === 'text') el.textContent = value;
      else el.setAttribute(name, value === true ? '' : String(value));
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      el.append(child instanceof window.Node ? child : document.createTextNode(String(child)));
    }
    return el;
  }

  // ---------------------------------------------------------------- token & API

  /** The token is the last non-empty path segment: /verify/<token>. */
  function tokenFromPath() {
    const segments = location.pathname.split('/').filter(Boolean);
    if (segments.length < 2) return null;
    try {
      return decodeURIComponent(segments[segments.length - 1]);
    } catch {
      return null;
    }
  }

  function apiUrl(suffix) {
    return `/v1/verification/${encodeURIComponent(state.token)}${suffix || ''}`;
  }

  /** The `{ error: { code, message } }` body of an API error, whatever came back. */
  function parseError(text) {
    try {
      const body = JSON.parse(text);
      if (body && body.error) return { code: body.error.code, message: body.error.message };
    } catch {
      /* not JSON: fall through */
    }
    return { code: null, message: null };
  }

  // ---------------------------------------------------------------- formatting

  function formatDeadline(iso) {
    const date = new Date(iso);
    if (Number.isNaN(date.getTime())) return null;
    return new Intl.DateTimeFormat(undefined, {
      weekday: 'long',
      day: 'numeric',
      month: 'long',
      year: 'numeric',
      hour: 'numeric',
      minute: '2-digit',
      timeZoneName: 'short',
    }).format(date);
  }

  /** "in 2 days", "in 5 hours" — the most useful single unit. */
  function formatRelative(iso) {
    const ms = new Date(iso).getTime() - Date.now();
    const rtf = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });
    const abs = Math.abs(ms);
    if (abs >= 2 * 86400000) return rtf.format(Math.round(ms / 86400000), 'day');
    if (abs >= 2 * 3600000) return rtf.format(Math.round(ms / 3600000), 'hour');
    return rtf.format(Math.round(ms / 60000), 'minute');
  }

  function formatSize(bytes) {
    if (bytes < 1024) return `${bytes} B`;
    if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
    return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
  }

  /** Server messages are written lower-case ("the file is larger than 15 MB"); show them as sentences. */
  function sentence(text) {
    const t = String(text).trim();
    if (!t) return t;
    const s = t[0].toUpperCase() + t.slice(1);
    return /[.!?]$/.test(s) ? s : `${s}.`;
  }

  function reasonText(code) {
    return (code && REASONS[code]) || GENERIC_REASON;
  }

  // ---------------------------------------------------------------- page messages

  /** Sets the page-level message (#message is a polite live region). */
  function setMessage(text, tone) {
    const el = $('message');
    el.className = `notice notice-${tone || 'info'}`;
    el.textContent = '';
    if (Array.isArray(text)) {
      for (const line of text) el.append(h('p', {}, line));
    } else if (text) {
      el.textContent = text;
    }
  }

  function setTitle(text) {
    $('page-title').textContent = text;
    document.title = `${text} – order verification`;
  }

  /** The link is unknown, expired or used up (404): nothing to show but the way out. */
  function showGone() {
    stopPolling();
    state.closed = true;
    setTitle('This link is no longer valid');
    $('intro').hidden = true;
    $('deadline').hidden = true;
    $('cards').hidden = true;
    setMessage(
      [
        'This link is unknown or has expired, so it can no longer take documents.',
        'If the shop still needs documents from you, please use the most recent link they sent you, or contact the shop.',
      ],
      'error',
    );
  }

  /** The check is not waiting for documents any more (409, or a final status). */
  function showNotWaiting(status) {
    stopPolling();
    state.closed = true;
    setControlsVisible(false);
    $('intro').hidden = true;
    $('deadline').hidden = true;
    if (status === 'in_review' || status === 'escalated') {
      setTitle('Thank you');
      setMessage(
        [
          'Thank you — we are reviewing your documents.',
          'You do not need to do anything else. The shop will contact you by email when the review is done.',
        ],
        'ok',
      );
    } else if (status === 'expired') {
      setTitle('The deadline has passed');
      setMessage('The deadline for sending documents has passed, so this request can no longer take uploads. Please contact the shop if you have questions about your order.', 'warn');
    } else {
      setTitle('Nothing more to upload');
      setMessage('This check is no longer waiting for documents, so there is nothing more to upload. Please contact the shop if you have questions about your order.', 'info');
    }
  }

  // ---------------------------------------------------------------- cards

  /** Builds the card for one requested kind, once; later renders only update it. */
  function buildCard(kind) {
    const info = KINDS[kind] || { title: `Document: ${kind.replace(/_/g, ' ')}`, what: 'Please upload the document the shop asked for.', tips: [] };
    const titleId = `title-${kind}`;
    const describedBy = `what-${kind}`;

    // tabindex -1: focus lands here after an upload, when the controls disappear.
    const status = h('p', { className: 'status', 'data-role': 'status', 'data-kind': kind, 'aria-live': 'polite', tabindex: '-1' });

    const camera = h('input', {
      type: 'file',
      className: 'file-input',
      accept: ACCEPT,
      capture: 'environment',
      'data-kind': kind,
      'aria-describedby': describedBy,
    });
    // A second picker without `capture`: on phones `capture` opens the camera
    // directly, which would make a PDF bank statement impossible to send.
    const files = h('input', {
      type: 'file',
      className: 'file-input',
      accept: ACCEPT,
      'data-for-kind': kind,
      'aria-describedby': describedBy,
    });
    const pickers = h(
      'div',
      { className: 'pickers' },
      h('label', { className: 'btn file-btn' }, camera, 'Take a photo', h('span', { className: 'sr-only' }, ` for ${info.title.toLowerCase()}`)),
      h('label', { className: 'btn file-btn' }, files, 'Choose a file', h('span', { className: 'sr-only' }, ` for ${info.title.toLowerCase()}`)),
    );

    const previewImg = h('img', { className: 'selected-preview', alt: '', hidden: true });
    const selectedName = h('span', { className: 'selected-name' });
    const selected = h('div', { className: 'selected', hidden: true }, previewImg, selectedName);

    const upload = h('button', { type: 'button', className: 'btn btn-primary upload-btn', 'data-action': 'upload', 'data-kind': kind, disabled: true }, 'Upload');

    const progressBar = h('progress', { max: '100', value: '0', 'aria-label': `Upload progress, ${info.title.toLowerCase()}` });
    const progressText = h('span', { className: 'progress-text' });
    // Screen readers hear progress in 25 % steps, not every event.
    const progressLive = h('span', { className: 'sr-only', 'aria-live': 'polite' });
    const progress = h('div', { className: 'progress', hidden: true }, progressBar, progressText, progressLive);

    const error = h('p', { className: 'card-error', role: 'alert' });

    const controls = h('div', { className: 'controls' }, pickers, selected, upload, progress, error);

    const section = h(
      'section',
      { className: 'card', 'data-kind': kind, 'aria-labelledby': titleId },
      h('h2', { id: titleId, className: 'card-title' }, info.title),
      h('p', { id: describedBy, className: 'card-what' }, info.what),
      info.tips.length ? h('ul', { className: 'card-tips' }, info.tips.map((t) => h('li', {}, t))) : null,
      status,
      controls,
    );

    for (const input of [camera, files]) input.addEventListener('change', () => onFileChosen(kind, input));
    upload.addEventListener('click', () => uploadFile(kind));

    return { section, status, controls, pickers, camera, files, selected, previewImg, selectedName, upload, progress, progressBar, progressText, progressLive, lastStep: -1, error };
  }

  /** Rebuilds the card list when the requested kinds change (first load or a new round). */
  function ensureCards(requested) {
    const key = requested.join(',');
    const container = $('cards');
    if (container.dataset.kinds === key) return;
    container.textContent = '';
    state.cards.clear();
    for (const kind of requested) {
      const card = buildCard(kind);
      state.cards.set(kind, card);
      container.append(card.section);
    }
    container.dataset.kinds = key;
  }

  /** The document that decides a kind's status: our pending upload, else the newest one. */
  function currentDocument(kind) {
    const data = state.data;
    const docs = (data.documents || []).filter(
      (d) => d.kind === kind && (d.round === undefined || data.round === undefined || d.round === data.round),
    );
    const pending = state.pending.get(kind);
    if (pending) {
      const listed = docs.find((d) => d.documentId === pending.documentId);
      if (listed) state.pending.delete(kind);
      else if (Date.now() - pending.since < PENDING_GRACE_MS) return { documentId: pending.documentId, kind, status: 'processing', reason: null };
      else state.pending.delete(kind);
    }
    docs.sort((a, b) => (Date.parse(b.uploadedAt) || 0) - (Date.parse(a.uploadedAt) || 0));
    return docs[0] || null;
  }

  /** Writes the status line: a badge word the tests look for, then plain words. */
  function setStatus(card, badgeText, tone, text) {
    card.status.textContent = '';
    card.status.append(h('span', { className: `badge badge-${tone}` }, badgeText), ' ', text);
  }

  /** The reason a reviewer gave for turning down this kind's earlier file, if this round asks for it again. */
  function reviewerRejection(kind) {
    const found = (state.data.rejected || []).find((r) => r.kind === kind);
    return found ? sentence(found.reason) : null;
  }

  function renderCard(kind) {
    const card = state.cards.get(kind);
    const doc = currentDocument(kind);
    const uploading = state.uploading.has(kind);
    const open = state.data.status === 'awaiting_documents' && !state.closed;

    if (uploading) {
      setStatus(card, 'Uploading', 'info', 'Sending your file…');
    } else if (!doc && reviewerRejection(kind)) {
      // A reviewer turned down the earlier file of this kind: say why, in their words.
      setStatus(card, 'Needed again', 'danger', `We could not accept the file you sent: ${reviewerRejection(kind)} Please upload a new one.`);
    } else if (!doc) {
      setStatus(card, 'Needed', 'warn', 'Not uploaded yet.');
    } else if (doc.status === 'accepted') {
      setStatus(card, 'Accepted', 'ok', 'Thank you, we have this document.');
    } else if (doc.status === 'rejected') {
      setStatus(card, 'Rejected', 'danger', `${reasonText(doc.reason)} Please upload a new file.`);
    } else {
      setStatus(card, 'Processing', 'info', 'We are checking your file. This usually takes a few seconds.');
    }

    const done = doc && doc.status === 'accepted';
    const processing = doc && doc.status === 'processing' && !uploading;
    card.section.classList.toggle('is-done', Boolean(done));
    card.section.classList.toggle('is-rejected', Boolean(doc && doc.status === 'rejected' && !uploading));
    card.controls.hidden = !open || done || processing;
    setPickersDisabled(card, uploading);
    card.upload.disabled = uploading || !state.selected.has(kind);
    card.error.textContent = state.errors.get(kind) || '';
  }

  function setPickersDisabled(card, disabled) {
    card.camera.disabled = disabled;
    card.files.disabled = disabled;
    card.pickers.classList.toggle('is-disabled', disabled);
  }

  function setControlsVisible(visible) {
    for (const card of state.cards.values()) card.controls.hidden = !visible;
  }

  // ---------------------------------------------------------------- rendering the request

  function renderDeadline() {
    const el = $('deadline');
    const data = state.data;
    const when = data && data.expiresAt ? formatDeadline(data.expiresAt) : null;
    if (!when || state.closed) {
      el.hidden = true;
      return;
    }
    el.hidden = false;
    el.textContent = '';
    const passed = new Date(data.expiresAt).getTime() <= Date.now();
    if (passed) {
      el.append('The deadline was ', h('strong', {}, when), '.');
    } else {
      el.append('Please send everything by ', h('strong', {}, when), ` (${formatRelative(data.expiresAt)}).`);
    }
  }

  /** Renders the whole request from the last status answer. */
  function render() {
    const data = state.data;
    const requested = Array.isArray(data.requested) ? data.requested : [];
    ensureCards(requested);
    for (const kind of requested) renderCard(kind);
    renderDeadline();

    if (data.status !== 'awaiting_documents') {
      showNotWaiting(data.status);
      return;
    }

    const statuses = requested.map((kind) => {
      const doc = currentDocument(kind);
      return doc ? doc.status : 'missing';
    });
    const accepted = statuses.filter((s) => s === 'accepted').length;

    if (requested.length > 0 && accepted === requested.length && state.uploading.size === 0) {
      // Everything is in; the check moves on to review in a moment.
      showNotWaiting('in_review');
      return;
    }
    if (data.expiresAt && new Date(data.expiresAt).getTime() <= Date.now()) {
      setMessage('The deadline for this request has passed.', 'warn');
      return;
    }
    if (data.round > 1) {
      setMessage(`We need a little more from you: please send the ${requested.length === 1 ? 'document' : 'documents'} below.`, 'warn');
    } else if (accepted > 0) {
      setMessage(`${accepted} of ${requested.length} documents accepted. Please send the rest below.`, 'info');
    } else {
      const n = requested.length;
      setMessage(`Please send ${n === 1 ? 'the document' : `these ${n} documents`} below.`, 'info');
    }
  }

  // ---------------------------------------------------------------- polling

  function stopPolling() {
    clearTimeout(state.pollTimer);
    state.pollTimer = null;
  }

  function schedulePoll() {
    stopPolling();
    if (state.closed) return;
    const anyProcessing = state.data && (state.data.requested || []).some((kind) => {
      const doc = currentDocument(kind);
      return doc && doc.status === 'processing';
    });
    let delay = anyProcessing ? POLL_FAST_MS : POLL_SLOW_MS;
    if (document.hidden) delay = Math.max(delay, POLL_HIDDEN_MS);
    state.pollTimer = setTimeout(refresh, delay);
  }

  /** Loads the request and renders it; errors never stop the page from retrying. */
  async function refresh() {
    stopPolling();
    let response;
    try {
      response = await fetch(apiUrl(''), { headers: { Accept: 'application/json' }, cache: 'no-store' });
    } catch {
      if (!state.data) setMessage('We could not reach the server. Please check your internet connection — we will keep trying.', 'error');
      state.pollTimer = setTimeout(refresh, 10000);
      return;
    }
    const text = await response.text();
    if (response.status === 404) return showGone();
    if (response.status === 409) return showNotWaiting(null);
    if (!response.ok) {
      const err = parseError(text);
      if (!state.data) setMessage(err.message ? sentence(err.message) : 'Something went wrong on our side. We will try again in a moment.', 'error');
      state.pollTimer = setTimeout(refresh, 10000);
      return;
    }
    try {
      state.data = JSON.parse(text);
    } catch {
      state.pollTimer = setTimeout(refresh, 10000);
      return;
    }
    render();
    schedulePoll();
  }

  // ---------------------------------------------------------------- choosing and uploading

  function onFileChosen(kind, input) {
    const card = state.cards.get(kind);
    const file = input.files && input.files[0];
    state.errors.delete(kind);
    clearPreview(kind);
    if (!file) {
      state.selected.delete(kind);
      card.selected.hidden = true;
      renderCard(kind);
      return;
    }
    // Keep only the latest choice, whichever picker it came from.
    const other = input === card.camera ? card.files : card.camera;
    other.value = '';

    const problem = checkFile(file);
    if (problem) {
      state.selected.delete(kind);
      state.errors.set(kind, problem);
      input.value = '';
      card.selected.hidden = true;
      renderCard(kind);
      return;
    }
    state.selected.set(kind, file);
    card.selectedName.textContent = `${file.name || 'Photo'} (${formatSize(file.size)})`;
    if (file.type.startsWith('image/')) {
      const url = URL.createObjectURL(file);
      state.previewUrls.set(kind, url);
      card.previewImg.src = url;
      card.previewImg.hidden = false;
    } else {
      card.previewImg.hidden = true;
    }
    card.selected.hidden = false;
    renderCard(kind);
    card.upload.focus();
  }

  /** Catches what we know the server will refuse, so nobody waits for an upload to fail. */
  function checkFile(file) {
    if (file.size === 0) return 'This file is empty. Please choose another one.';
    if (file.type && !ACCEPTED_TYPES.has(file.type)) {
      const heic = /heic|heif/i.test(file.type) || /\.hei[cf]$/i.test(file.name);
      return heic
        ? 'This photo is in HEIC format, which we cannot accept. Please use "Take a photo", or set your camera to "Most compatible" (JPEG), or upload a screenshot.'
        : 'We cannot accept this type of file. Please choose a JPEG, PNG or WebP photo, or a PDF.';
    }
    return null;
  }

  function clearPreview(kind) {
    const url = state.previewUrls.get(kind);
    if (url) URL.revokeObjectURL(url);
    state.previewUrls.delete(kind);
  }

  function showProgress(card, percent) {
    card.progress.hidden = false;
    card.progressBar.value = percent;
    card.progressText.textContent = percent >= 100 ? 'Finishing…' : `Uploading… ${percent}%`;
    const step = Math.floor(percent / 25);
    if (step !== card.lastStep) {
      card.lastStep = step;
      card.progressLive.textContent = `Uploaded ${step * 25}%`;
    }
  }

  /** Sends the chosen file with XMLHttpRequest, because fetch cannot report upload progress. */
  function uploadFile(kind) {
    const card = state.cards.get(kind);
    const file = state.selected.get(kind);
    if (!file || state.uploading.has(kind)) return;

    state.errors.delete(kind);
    state.uploading.add(kind);
    card.lastStep = -1;
    showProgress(card, 0);
    renderCard(kind);

    const form = new FormData();
    form.append('kind', kind); // first, so the server knows the kind before the bytes arrive
    form.append('file', file, file.name || 'upload');

    const xhr = new XMLHttpRequest();
    xhr.open('POST', apiUrl('/documents'));
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.timeout = 10 * 60 * 1000;
    xhr.upload.addEventListener('progress', (event) => {
      if (event.lengthComputable) showProgress(card, Math.min(100, Math.round((event.loaded / event.total) * 100)));
    });
    xhr.addEventListener('load', () => onUploadDone(kind, xhr));
    xhr.addEventListener('error', () => onUploadFailed(kind, 'The upload failed. Please check your internet connection and try again.'));
    xhr.addEventListener('timeout', () => onUploadFailed(kind, 'The upload took too long. Please try again, ideally on a faster connection.'));
    xhr.send(form);
  }

  function finishUpload(kind) {
    const card = state.cards.get(kind);
    state.uploading.delete(kind);
    card.progress.hidden = true;
  }

  function onUploadDone(kind, xhr) {
    finishUpload(kind);
    const card = state.cards.get(kind);
    if (xhr.status >= 200 && xhr.status < 300) {
      let body = {};
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        /* an empty body still means the file arrived */
      }
      if (body.documentId) state.pending.set(kind, { documentId: body.documentId, since: Date.now() });
      state.selected.delete(kind);
      clearPreview(kind);
      card.camera.value = '';
      card.files.value = '';
      card.selected.hidden = true;
      renderCard(kind);
      card.status.focus({ preventScroll: true });
      refreshSoon();
      return;
    }
    const err = parseError(xhr.responseText);
    if (xhr.status === 404) return showGone();
    if (xhr.status === 409) {
      // The check moved on (e.g. the deadline passed): show where it is now.
      state.errors.set(kind, err.message ? sentence(err.message) : 'This request is no longer waiting for documents.');
      renderCard(kind);
      refreshSoon();
      return;
    }
    let message = err.message ? sentence(err.message) : null;
    if (!message) {
      if (xhr.status === 413) message = 'This file is too large. Please upload a smaller photo or PDF.';
      else if (xhr.status === 415) message = 'We cannot accept this type of file. Please choose a JPEG, PNG or WebP photo, or a PDF.';
      else if (xhr.status === 429) message = 'Too many uploads in a short time. Please wait a minute and try again.';
      else message = 'The upload did not work. Please try again.';
    }
    state.errors.set(kind, message);
    renderCard(kind);
  }

  function onUploadFailed(kind, message) {
    finishUpload(kind);
    state.errors.set(kind, message);
    renderCard(kind);
  }

  function refreshSoon() {
    stopPolling();
    state.pollTimer = setTimeout(refresh, 800);
  }

  // ---------------------------------------------------------------- start

  function start() {
    state.token = tokenFromPath();
    if (!state.token) {
      showGone();
      return;
    }
    document.addEventListener('visibilitychange', () => {
      if (!document.hidden && !state.closed) refresh();
    });
    // Keep "in 3 hours" honest while the page stays open.
    setInterval(() => {
      if (state.data && !state.closed) renderDeadline();
    }, 60000);
    if (navigator.onLine === false) setMessage('You seem to be offline. The page will load when you are back online.', 'warn');
    window.addEventListener('online', () => {
      if (!state.closed) refresh();
    });
    refresh();
  }

  start();
})();
