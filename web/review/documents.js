/*
 * The case's documents: one card each with its thumbnail (fetched with the token,
 * shown from a blob: URL), status, quality flags, "already used on another case"
 * links and metadata. Originals keep their metadata, so they are offered only to a
 * caller the API grants `document.original`; every view is audited server-side.
 */
/* global document, window */
import { api, casePath } from './api.js';
import { documentBlob, download } from './blobs.js';
import { loadCase } from './case.js';
import { badge, facts, h, section, timeEl } from './dom.js';
import { fmtBytes, fmtNumber } from './format.js';
import { DOC_REASONS, DOC_STATUS, KIND_LABELS, KIND_ORDER, humanize, kindLabel } from './labels.js';
import { caseHash } from './router.js';
import { can } from './session.js';
import { state } from './state.js';
import { openViewer } from './viewer.js';

export function documentsSection(data) {
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

function documentCard(data, doc) {
  const [statusText, tone] = DOC_STATUS[doc.status] || [doc.status || '—', ''];
  const label = kindLabel(doc.kind);
  // Every content fetch is audited, so ask only for variants the API says exist.
  const hasThumb = !Array.isArray(doc.variants) || doc.variants.includes('thumbnail');
  const thumb = h('span', { className: 'thumb-placeholder' }, hasThumb ? 'Loading…' : isPdf(doc) ? 'PDF' : 'No preview');
  const thumbButton = h(
    'button',
    {
      type: 'button',
      className: `thumb-btn${hasThumb ? '' : ' no-thumb'}`,
      'aria-label': `Open ${label.toLowerCase()} document ${doc.documentId} larger`,
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
    h('header', { className: 'doc-head' }, h('h3', {}, label), badge(statusText, tone)),
    thumbButton,
    doc.status === 'rejected'
      ? h(
          'p',
          { className: 'doc-reason' },
          'Rejected: ',
          h('strong', {}, DOC_REASONS[doc.reason] || humanize(doc.reason || 'no reason given')),
          doc.reason ? h('span', { className: 'muted mono small' }, ` (${doc.reason})`) : null,
        )
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

async function rejectDocument(checkId, doc, errorEl) {
  const reason = window.prompt(`Why is this ${kindLabel(doc.kind).toLowerCase()} not acceptable? The customer sees this and is asked for a new one.`);
  if (!reason || !reason.trim()) return;
  try {
    await api(`${casePath(checkId)}/documents/${encodeURIComponent(doc.documentId)}/decision`, { method: 'POST', body: { action: 'reject', reason: reason.trim() } });
    loadCase();
  } catch (err) {
    errorEl.textContent = err.message;
  }
}

/** The original, for those who may see it: images in the viewer, PDFs as a download. */
function documentActions(data, doc) {
  if (data.purged) return null;
  const mayOpenOriginal = can('document.original');
  const errorEl = h('p', { className: 'field-error', role: 'alert' });
  const buttons = [];
  const pdfLabel = `PDF, ${doc.pages || '?'} page${doc.pages === 1 ? '' : 's'}`;
  if (isPdf(doc) && mayOpenOriginal) {
    buttons.push(h('button', { type: 'button', className: 'btn-link', 'data-original': doc.documentId, onclick: () => openOriginal(data.checkId, doc, errorEl) }, `${pdfLabel} — open original`));
  } else if (isPdf(doc)) {
    // A PDF has no preview: say why the reviewer cannot open it rather than offer a 403.
    buttons.push(h('span', { className: 'muted small' }, `${pdfLabel} — opening originals is not part of your role.`));
  } else if (mayOpenOriginal) {
    buttons.push(h('button', { type: 'button', className: 'btn btn-small', 'data-original': doc.documentId, onclick: (e) => openViewer(doc, 'original', e.currentTarget) }, 'View original'));
  }
  // One document turned down (the customer is told why and asked for just that one again): a decision, so it needs the claim.
  if (doc.status === 'accepted' && (data.allowedActions || []).includes('request_documents')) {
    buttons.push(h('button', { type: 'button', className: 'btn btn-small', 'data-reject-document': doc.documentId, onclick: () => rejectDocument(data.checkId, doc, errorEl) }, 'Reject, ask again'));
  }
  if (!buttons.length) return null;
  return h('div', { className: 'doc-actions' }, buttons, mayOpenOriginal ? h('span', { className: 'muted small' }, 'Originals keep metadata; viewing is audited.') : null, errorEl);
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
