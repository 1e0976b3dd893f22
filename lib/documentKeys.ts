/** The key ring that wraps documents' data keys: DOCUMENT_KEY now, older keys for reading (rotation). */
import type { Config } from '../config';

export interface KeyRingConfig {
  currentId: string;
  keys: Map<string, Buffer>;
}

export function keyRing(config: Config): KeyRingConfig {
  return { currentId: config.documentKeyId, keys: new Map([[config.documentKeyId, config.documentKey], ...config.previousDocumentKeys]) };
}
