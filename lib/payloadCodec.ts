/**
 * Encrypts every payload Temporal stores (workflow inputs such as the order,
 * activity arguments and results, update answers, and — through the failure
 * converter — error messages and stack traces) with AES-256-GCM, so the
 * customer's personal data is not readable in Temporal's history or UI. The key
 * is derived from DOCUMENT_KEY (see config); payloads name their key's id, so a
 * ring of the current and previous keys reads histories written before a rotation.
 *
 * A payload that is not encrypted is refused: it was not written by this project
 * (a signal or query from the CLI or UI, or something forged in Temporal's
 * database), and accepting it would let it pass unauthenticated. Only the replay
 * test, which replays histories recorded before encryption, allows plaintext.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { DataConverter, Payload, PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';

const ENCODING = 'binary/encrypted';
const encoder = new TextEncoder();
const decoder = new TextDecoder();

export interface CodecOptions {
  /** Pass unencrypted payloads through on decode (tests replaying pre-encryption histories only). */
  allowPlaintext?: boolean;
}

export class PlaintextPayloadError extends Error {
  override readonly name = 'PlaintextPayloadError';
}

export class EncryptionCodec implements PayloadCodec {
  constructor(
    private readonly keys: Map<string, Buffer>,
    private readonly currentKeyId: string,
    private readonly options: CodecOptions = {},
  ) {
    if (!keys.has(currentKeyId)) throw new Error(`the current payload key ${currentKeyId} is not among the keys`);
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    const key = this.keys.get(this.currentKeyId)!;
    return payloads.map((payload) => {
      const plain = temporal.api.common.v1.Payload.encode(payload).finish();
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const sealed = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
      return {
        metadata: { encoding: encoder.encode(ENCODING), 'encryption-key-id': encoder.encode(this.currentKeyId) },
        data: sealed,
      };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const encoding = payload.metadata?.encoding;
      if (!encoding || decoder.decode(encoding) !== ENCODING) {
        if (this.options.allowPlaintext) return payload;
        throw new PlaintextPayloadError(
          `refusing an unencrypted Temporal payload (encoding ${encoding ? decoder.decode(encoding) : 'none'}): every payload of this project is encrypted`,
        );
      }
      const keyId = decoder.decode(payload.metadata!['encryption-key-id'] ?? new Uint8Array());
      const key = this.keys.get(keyId);
      if (!key) throw new Error(`payload encrypted with unknown key ${keyId}: put that DOCUMENT_KEY in PREVIOUS_DOCUMENT_KEYS`);
      const data = Buffer.from(payload.data ?? new Uint8Array());
      const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, 12));
      decipher.setAuthTag(data.subarray(data.length - 16));
      const plain = Buffer.concat([decipher.update(data.subarray(12, data.length - 16)), decipher.final()]);
      return temporal.api.common.v1.Payload.decode(plain);
    });
  }
}

/** The key id a payload was encrypted with, or undefined for an unencrypted one (no key needed). */
export function payloadKeyId(payload: Payload): string | undefined {
  const encoding = payload.metadata?.encoding;
  if (!encoding || decoder.decode(encoding) !== ENCODING) return undefined;
  return decoder.decode(payload.metadata!['encryption-key-id'] ?? new Uint8Array());
}

/** The module the workflow bundle loads the failure converter from (it runs inside the sandbox). */
export const failureConverterPath = require.resolve('./failureConverter');

/** The data converter of every Temporal client and worker of this project (and of the workflow bundle). */
export function dataConverter(keys: Map<string, Buffer>, currentKeyId: string, options: CodecOptions = {}): DataConverter {
  return { payloadCodecs: [new EncryptionCodec(keys, currentKeyId, options)], failureConverterPath };
}
