/*
 * The reviewer JSON API client. The reviewer's JWT is the only credential; it is
 * sent as `Authorization: Bearer` on every call (document bytes too, which is why
 * they are fetched here and shown through blob: URLs, see blobs.js). A 401 means the
 * token is gone or refused: whoever registered with `onUnauthorized` signs out.
 */
import { sentence } from './format.js';

let token = null;
let unauthorized = () => {};

export function setToken(value) {
  token = value || null;
}

/** Called with the server's message when a call is answered 401. */
export function onUnauthorized(handler) {
  unauthorized = handler;
}

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
    unauthorized(message || 'Your session has expired or the token was refused. Please sign in again.');
  }
  return new ApiError(response.status, code, message ? sentence(message) : `The request failed (HTTP ${response.status}).`);
}

async function send(path, options) {
  if (!token) throw new ApiError(401, 'unauthorized', 'Not signed in.');
  const headers = { Authorization: `Bearer ${token}`, ...(options.headers || {}) };
  try {
    return await fetch(path, { ...options, headers, cache: 'no-store' });
  } catch {
    throw new ApiError(0, 'network', 'Could not reach the server. Check your connection and try again.');
  }
}

/** JSON API call; throws ApiError with the server's message on failure. */
export async function api(path, { method = 'GET', body } = {}) {
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

/** Bytes (a document variant) as a Blob and its type; throws ApiError on failure. */
export async function fetchBlob(path) {
  const response = await send(path, { method: 'GET' });
  if (!response.ok) throw await errorFrom(response);
  const blob = await response.blob();
  return { blob, type: blob.type || response.headers.get('Content-Type') || '' };
}

export const casePath = (checkId) => `/v1/review/cases/${encodeURIComponent(checkId)}`;
