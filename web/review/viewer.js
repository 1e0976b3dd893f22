/*
 * The document viewer: a modal <dialog> with zoom, fit and quarter turns. Zoom and
 * rotation are CSS custom properties set through CSSOM (allowed under the CSP, unlike
 * inline styles). Images come from blob: URLs (blobs.js); a PDF original downloads.
 */
/* global document, window */
import { documentBlob, download } from './blobs.js';
import { $, isEditable } from './dom.js';
import { KIND_LABELS, humanize } from './labels.js';
import { can } from './session.js';
import { state } from './state.js';

export async function openViewer(doc, variant, opener) {
  const v = state.viewer;
  const dialog = $('viewer');
  const seq = ++v.seq;
  Object.assign(v, { doc, variant, zoom: 1, rotate: 0, fit: true, natW: 0, natH: 0, opener: opener || document.activeElement });
  $('viewer-title').textContent = `${KIND_LABELS[doc.kind] || humanize(doc.kind || 'Document')} — ${doc.documentId}${variant === 'original' ? ' (original)' : ''}`;
  $('viewer-status').textContent = 'Loading…';
  $('viewer-original').hidden = !(can('document.original') && variant !== 'original');
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

function onImageLoad() {
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

/** Keys while the viewer is open: + − 0 r (Escape closes the dialog natively). */
export function viewerKey(e) {
  if (e.target && isEditable(e.target)) return;
  const actions = { '+': () => zoomBy(1.25), '=': () => zoomBy(1.25), '-': () => zoomBy(0.8), 0: fitView, r: rotateView };
  const fn = actions[e.key];
  if (fn) {
    e.preventDefault();
    fn();
  }
}

/** The viewer's own controls (static markup in index.html). */
export function wireViewer() {
  $('zoom-in').addEventListener('click', () => zoomBy(1.25));
  $('zoom-out').addEventListener('click', () => zoomBy(0.8));
  $('zoom-fit').addEventListener('click', fitView);
  $('rotate').addEventListener('click', rotateView);
  $('viewer-close').addEventListener('click', closeViewer);
  $('viewer-original').addEventListener('click', () => {
    const v = state.viewer;
    if (v.doc) openViewer(v.doc, 'original', v.opener);
  });
  $('viewer-img').addEventListener('load', onImageLoad);
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
}
