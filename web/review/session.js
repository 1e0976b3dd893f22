/*
 * The reviewer's session. The JWT lives in sessionStorage only (gone when the tab
 * closes). Its payload is decoded here for one thing: to refuse a pasted text that is
 * not a token, or one that has already expired, with a clear message. Who the token
 * is and what it may do come from the API (GET /v1/review/me, computed from the one
 * permission table, domain/roles.ts): the console holds no role rules of its own.
 */
/* global sessionStorage, TextDecoder, atob */
import { api, setToken } from './api.js';
import { $, append, badge, h } from './dom.js';
import { fmtDateTime } from './format.js';
import { state } from './state.js';

const TOKEN_KEY = 'reviewConsole.token';
let expiryTimer = null;

/** Whether the signed-in reviewer holds `permission` (as the API said). */
export function can(permission) {
  return Boolean(state.session && state.session.permissions.has(permission));
}

/** The signed-in reviewer's id, as the API knows it (claims and assignees carry it). */
export function myId() {
  return state.session ? state.session.id : null;
}

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

/** A pasted token as `{ token, exp }`, or throws a message for people. The server judges the rest. */
export function tokenFromInput(raw) {
  const token = raw.replace(/^\s*Bearer\s+/i, '').replace(/\s+/g, '');
  if (!token) throw new Error('Paste your reviewer token first.');
  const claims = decodeJwtPayload(token);
  if (typeof claims.exp === 'number' && claims.exp * 1000 <= Date.now()) {
    throw new Error(`This token expired on ${fmtDateTime(new Date(claims.exp * 1000).toISOString())}. Ask for a new one.`);
  }
  return { token, exp: typeof claims.exp === 'number' ? claims.exp : null };
}

/** The token kept from earlier in this tab, if it still reads as one. */
export function storedToken() {
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (!token) return null;
  try {
    return tokenFromInput(token);
  } catch {
    sessionStorage.removeItem(TOKEN_KEY);
    return null;
  }
}

/**
 * Asks the API who the token is; on success the session starts (stored, shown, timed
 * out at `exp`). Throws ApiError when the API refuses the token or cannot be reached.
 */
export async function beginSession({ token, exp }, onExpiry) {
  setToken(token);
  let me;
  try {
    me = await api('/v1/review/me');
  } catch (err) {
    setToken(null);
    throw err;
  }
  state.session = { token, exp, id: me.id, role: me.role, permissions: new Set(me.permissions || []) };
  sessionStorage.setItem(TOKEN_KEY, token);
  const whoami = $('whoami');
  whoami.textContent = '';
  append(whoami, ['Signed in as ', h('strong', {}, me.id), ' · ', badge(me.role, 'info')]);
  if (exp) whoami.title = `Token valid until ${fmtDateTime(new Date(exp * 1000).toISOString())}`;
  $('session').hidden = false;
  clearTimeout(expiryTimer);
  if (exp) {
    // setTimeout takes at most ~24.8 days; longer tokens simply never auto-expire here.
    const ms = exp * 1000 - Date.now();
    if (ms < 2 ** 31 - 1) expiryTimer = setTimeout(() => onExpiry('Your session has expired. Please sign in again.'), ms);
  }
}

/**
 * Ends the session (the caller clears what was fetched with it). `keepStored` leaves the
 * token in this tab's storage, so a reload tries it again (the server could not be asked).
 */
export function endSession({ keepStored = false } = {}) {
  state.session = null;
  setToken(null);
  if (!keepStored) sessionStorage.removeItem(TOKEN_KEY);
  clearTimeout(expiryTimer);
  $('session').hidden = true;
}
