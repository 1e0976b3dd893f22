/** Temporal payloads are encrypted at rest; old unencrypted payloads still decode. */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { defaultPayloadConverter } from '@temporalio/common';
import { EncryptionCodec } from '../../lib/payloadCodec';

describe('Temporal payload encryption', () => {
  const keys = new Map([['k1', randomBytes(32)], ['k2', randomBytes(32)]]);
  const order = { orderId: 'ord_1', customer: { email: 'ann@example.com', name: 'Ann Lee' } };

  it('round-trips payloads and hides their content', async () => {
    const codec = new EncryptionCodec(keys, 'k1');
    const plain = defaultPayloadConverter.toPayload(order);
    const [sealed] = await codec.encode([plain]);
    expect(Buffer.from(sealed.data!).includes(Buffer.from('ann@example.com'))).to.equal(false);
    expect(new TextDecoder().decode(sealed.metadata!.encoding)).to.equal('binary/encrypted');
    const [opened] = await codec.decode([sealed]);
    expect(defaultPayloadConverter.fromPayload(opened)).to.deep.equal(order);
  });

  it('reads payloads of a previous key, and unencrypted ones as they are', async () => {
    const before = await new EncryptionCodec(keys, 'k2').encode([defaultPayloadConverter.toPayload(order)]);
    const codec = new EncryptionCodec(keys, 'k1');
    expect(defaultPayloadConverter.fromPayload((await codec.decode(before))[0])).to.deep.equal(order);
    const legacy = defaultPayloadConverter.toPayload(order);
    expect((await codec.decode([legacy]))[0]).to.equal(legacy);
  });

  it('refuses a tampered payload and an unknown key', async () => {
    const codec = new EncryptionCodec(keys, 'k1');
    const [sealed] = await codec.encode([defaultPayloadConverter.toPayload(order)]);
    const tampered = { ...sealed, data: Buffer.from(sealed.data!).map((b, i) => (i === 20 ? b ^ 1 : b)) };
    await codec.decode([tampered]).then(() => expect.fail('decoded a tampered payload'), () => undefined);
    await new EncryptionCodec(new Map([['k9', randomBytes(32)]]), 'k9').decode([sealed]).then(() => expect.fail('decoded without the key'), (e: Error) => expect(e.message).to.include('unknown key'));
  });
});
