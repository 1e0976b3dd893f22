/**
 * Encrypts every payload Temporal stores (workflow inputs such as the order,
 * activity arguments and results, update answers) with AES-256-GCM, so the
 * customer's personal data is not readable in Temporal's history or UI. The key
 * is derived from DOCUMENT_KEY (see config). Payloads written before this codec,
 * or by another key, are recognised by their metadata: unencrypted ones pass
 * through, so older histories still replay.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';

const ENCODING = 'binary/encrypted';
const encoder = new TextEncoder();
const decoder = new TextDecoder();

export class EncryptionCodec implements PayloadCodec {
  constructor(
    private readonly keys: Map<string, Buffer>,
    private readonly currentKeyId: string,
  ) {}

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
      if (!encoding || decoder.decode(encoding) !== ENCODING) return payload;
      const keyId = decoder.decode(payload.metadata!['encryption-key-id'] ?? new Uint8Array());
      const key = this.keys.get(keyId);
      if (!key) throw new Error(`payload encrypted with unknown key ${keyId}`);
      const data = Buffer.from(payload.data ?? new Uint8Array());
      const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, 12));
      decipher.setAuthTag(data.subarray(data.length - 16));
      const plain = Buffer.concat([decipher.update(data.subarray(12, data.length - 16)), decipher.final()]);
      return temporal.api.common.v1.Payload.decode(plain);
    });
  }
}

/** The data converter of every Temporal client and worker of this project. */
export function dataConverter(keys: Map<string, Buffer>, currentKeyId: string) {
  return { payloadCodecs: [new EncryptionCodec(keys, currentKeyId)] };
}
