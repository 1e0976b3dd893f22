/*
 * DOM helpers. The page runs under a strict CSP (no inline script or style, no
 * eval), so every element is built with createElement/textContent, which also keeps
 * API data from ever becoming markup.
 */
/* global document, window */
import { fmtDateTime } from './format.js';

export const $ = (id) => document.getElementById(id);

/**
 * Creates an element. attrs: `className`, `text`, `on<event>` handlers, booleans
 * (true → empty attribute, false/null → absent), everything else as an attribute.
 */
export function h(tag, attrs, ...children) {
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

export function append(el, children) {
  for (const child of [children].flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof window.Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export function badge(text, tone) {
  return h('span', { className: `badge${tone ? ` badge-${tone}` : ''}` }, text);
}

/** A <time> element: local time shown, exact ISO on hover and in the markup. */
export function timeEl(iso, seconds) {
  return h('time', { datetime: iso || false, title: iso || false }, fmtDateTime(iso, seconds));
}

/** A titled panel of the case page. */
export function section(title, ...content) {
  const id = `sec-${title.toLowerCase().replace(/[^a-z]+/g, '-')}`;
  return h('section', { className: 'panel', 'aria-labelledby': id }, h('h2', { id }, title), content);
}

/** A definition list of [label, value] pairs; pairs with an empty value are skipped. */
export function facts(pairs) {
  const dl = h('dl', { className: 'facts' });
  for (const [label, value] of pairs) {
    if (value === undefined || value === null || value === '') continue;
    dl.append(h('dt', {}, label), h('dd', {}, value));
  }
  return dl;
}

export function isEditable(el) {
  if (!el) return false;
  const tag = el.tagName;
  return tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT' || el.isContentEditable;
}

export function cssEscape(value) {
  return window.CSS && window.CSS.escape ? window.CSS.escape(value) : String(value).replace(/["\\]/g, '\\$&');
}

let flashTimer = null;

/** Errors and confirmations for the whole console, in the live region at the top. */
export function flash(text, tone) {
  const el = $('flash');
  clearTimeout(flashTimer);
  el.className = `flash notice notice-${tone || 'info'}`;
  el.textContent = text || '';
  if (text) flashTimer = setTimeout(() => (el.textContent = ''), tone === 'error' ? 12000 : 6000);
}

export function showShortcuts() {
  const d = $('shortcuts');
  if (!d.open) d.showModal();
}
