/**
 * Top-level fields that queries filter on by equality, per collection. The
 * embedded stack gives each a GIN expression index (stack/tuneFerretDb.ts);
 * MongoDB gets ordinary indexes from the schemas in this folder.
 */
export const lookupFields: Record<string, string[]> = {
  checks: ['_id', 'orderId', 'status', 'assignee', 'links'],
  velocity: ['_id', 'card', 'email', 'device', 'ip', 'shippingAddress'],
  verifications: ['_id', 'checkId'],
  documents: ['_id', 'checkId', 'sha256', 'phashBands'],
  // GridFS: documents stored before the blob store (read and purged, never written).
  'documents.files': ['filename'],
  'documents.chunks': ['files_id'],
  emails: ['_id'],
  queue: ['_id', 'status', 'tick'],
  audit: ['_id', 'checkId'],
  blocklist: ['_id'],
  retention: ['_id', 'minute'],
  lists: ['_id', 'list', 'key'],
  outcomes: ['_id', 'orderId'],
  outcomeMarks: ['_id', 'key'],
  rulesets: ['_id', 'day'],
  ruleset_publications: ['_id'],
  ruleset_shadows: ['_id'],
  decisions: ['_id', 'orderId', 'day', 'rulesetVersion'],
  shadow_results: ['_id', 'version'],
  reports: ['_id', 'checkId'],
  notes: ['_id', 'checkId'],
  privacyRequests: ['_id'],
  webhook_events: ['_id', 'checkId'],
  webhook_attempts: ['_id', 'checkId'],
  webhook_redeliveries: ['_id', 'checkId'],
};
