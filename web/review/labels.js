/*
 * Words and tones for the codes the API sends: statuses, bands, document kinds and
 * reasons, decision actions. Display only: what a reviewer may do is the API's to
 * say (the case's `allowedActions`, the caller's permissions from /v1/review/me).
 */

const STATUS_LABELS = {
  approved: 'Approved',
  awaiting_documents: 'Awaiting documents',
  in_review: 'In review',
  escalated: 'Escalated',
  rejected: 'Rejected',
  expired: 'Expired',
  cancelled: 'Cancelled',
};
export const STATUS_TONES = { approved: 'ok', rejected: 'danger', escalated: 'warn', in_review: 'info', awaiting_documents: 'info' };
export const BAND_TONES = { low: 'ok', medium: 'warn', high: 'danger', critical: 'critical' };
export const KIND_LABELS = { identity: 'Identity', address: 'Address', payment_ownership: 'Payment ownership' };
export const KIND_ORDER = ['identity', 'address', 'payment_ownership'];
export const DOC_STATUS = { accepted: ['Accepted', 'ok'], rejected: ['Rejected', 'danger'], processing: ['Processing', 'info'] };

/** Document rejection and quality codes in reviewer words. */
export const DOC_REASONS = {
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

/**
 * Decision actions: label, button style, shortcut and the verb on the submit button.
 * A button is offered when the caller holds the action's permission (`decision.<action>`)
 * and enabled when the case's `allowedActions` include it.
 */
export const ACTIONS = {
  approve: { label: 'Approve', key: 'a', tone: 'btn-ok', submit: 'Approve order' },
  reject: { label: 'Reject', key: 'r', tone: 'btn-danger', submit: 'Reject order' },
  request_documents: { label: 'Request documents', key: 'd', tone: '', submit: 'Request documents' },
  escalate: { label: 'Escalate', key: 'e', tone: '', submit: 'Escalate to senior' },
  report: { label: 'Report', key: null, tone: '', submit: 'Report case' },
};

export function statusLabel(status) {
  return STATUS_LABELS[status] || status || '—';
}

export function kindLabel(kind) {
  return KIND_LABELS[kind] || humanize(kind || 'document');
}

/** `document.viewed` / `request_documents` -> "document viewed" / "request documents". */
export function humanize(code) {
  return String(code).replace(/[._]/g, ' ');
}
