/**
 * The DOCUMENT_KEY histories are recorded with (`npm run record:histories`), so the
 * replay test can decrypt their payloads. A test key, never a real one.
 */
export const REPLAY_DOCUMENT_KEY = Buffer.from('fraud-engine replay test key 32b').toString('base64');
