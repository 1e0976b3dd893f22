/** Temporal payloads, error messages and stack traces are encrypted at rest; plaintext is refused. */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { ApplicationFailure, defaultPayloadConverter } from '@temporalio/common';
import { loadDataConverter } from '@temporalio/common/lib/internal-non-workflow/data-converter-helpers';
import { decodeOptionalFailureToOptionalError, encodeErrorToFailure } from '@temporalio/common/lib/internal-non-workflow/codec-helpers';
import { temporal } from '@temporalio/proto';
import { EncryptionCodec, PlaintextPayloadError, dataConverter } from '../../lib/payloadCodec';

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

  it('reads payloads of a previous key', async () => {
    const before = await new EncryptionCodec(keys, 'k2').encode([defaultPayloadConverter.toPayload(order)]);
    const codec = new EncryptionCodec(keys, 'k1');
    expect(defaultPayloadConverter.fromPayload((await codec.decode(before))[0])).to.deep.equal(order);
  });

  it('refuses an unencrypted payload, unless told to let plaintext through (replaying old histories)', async () => {
    const legacy = defaultPayloadConverter.toPayload(order);
    await new EncryptionCodec(keys, 'k1').decode([legacy]).then(
      () => expect.fail('decoded a plaintext payload'),
      (e: Error) => {
        expect(e).to.be.instanceOf(PlaintextPayloadError);
        expect(e.message).to.include('unencrypted');
        expect(e.message).not.to.include('ann@example.com');
      },
    );
    const lenient = new EncryptionCodec(keys, 'k1', { allowPlaintext: true });
    expect((await lenient.decode([legacy]))[0]).to.equal(legacy);
  });

  it('refuses a tampered payload and an unknown key, naming PREVIOUS_DOCUMENT_KEYS', async () => {
    const codec = new EncryptionCodec(keys, 'k1');
    const [sealed] = await codec.encode([defaultPayloadConverter.toPayload(order)]);
    const tampered = { ...sealed, data: Buffer.from(sealed.data!).map((b, i) => (i === 20 ? b ^ 1 : b)) };
    await codec.decode([tampered]).then(() => expect.fail('decoded a tampered payload'), () => undefined);
    await new EncryptionCodec(new Map([['k9', randomBytes(32)]]), 'k9').decode([sealed]).then(
      () => expect.fail('decoded without the key'),
      (e: Error) => expect(e.message).to.include('unknown key k1').and.include('PREVIOUS_DOCUMENT_KEYS'),
    );
  });

  it('encrypts failure messages and stack traces too (the project data converter)', async () => {
    const converter = loadDataConverter(dataConverter(keys, 'k1'));
    const error = ApplicationFailure.create({ message: 'no account for ann@example.com', type: 'invalid_state' });
    error.stack = 'Error: no account for ann@example.com\n    at lookup (customers.ts:12:3)';
    const failure = await encodeErrorToFailure(converter, error);
    const stored = Buffer.from(temporal.api.failure.v1.Failure.encode(failure).finish());
    expect(stored.includes(Buffer.from('ann@example.com'))).to.equal(false);
    expect(stored.includes(Buffer.from('customers.ts'))).to.equal(false);
    expect(failure.message).to.equal('Encoded failure');
    expect(new TextDecoder().decode(failure.encodedAttributes!.metadata!.encoding)).to.equal('binary/encrypted');
    // The type stays readable: the API maps refusals by type.
    expect(failure.applicationFailureInfo?.type).to.equal('invalid_state');

    const back = (await decodeOptionalFailureToOptionalError(converter, failure)) as ApplicationFailure;
    expect(back.message).to.equal('no account for ann@example.com');
    expect(back.type).to.equal('invalid_state');
    expect(back.stack).to.include('customers.ts:12:3');
  });

  it('a failure written in plain text (not by this project) is refused like any plaintext payload', async () => {
    const plainConverter = loadDataConverter({});
    const failure = await encodeErrorToFailure(plainConverter, ApplicationFailure.create({ message: 'x', details: [{ forged: true }] }));
    await decodeOptionalFailureToOptionalError(loadDataConverter(dataConverter(keys, 'k1')), failure).then(
      () => expect.fail('decoded plaintext failure details'),
      (e: Error) => expect(e).to.be.instanceOf(PlaintextPayloadError),
    );
  });
});
