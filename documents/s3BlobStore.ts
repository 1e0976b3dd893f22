/**
 * Blobs as objects in an S3-compatible bucket (production: MinIO in docker-compose.yml, or AWS
 * S3), one object per name: key `<documentId>/<variant>`. Credentials come from the AWS SDK's
 * default chain (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, a profile, an instance role).
 *
 * A PutObject is atomic (a reader gets the whole old object or the whole new one) and replaces;
 * once it has answered, the object is durable and read-after-write consistent on S3 and MinIO.
 * Content-MD5 makes the server refuse bytes damaged on the way (the put fails and is retried,
 * rather than storing ciphertext that no longer opens).
 *
 * Deleting a document deletes the key of each known variant, which is every key it can have
 * (put refuses any other name), so no listing and no ListBucket permission is needed.
 */
import { createHash } from 'node:crypto';
import { DeleteObjectCommand, GetObjectCommand, NoSuchKey, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { BLOB_VARIANTS, blobName, parseBlobName, type BlobStore } from './blobStore';

export interface S3Settings {
  bucket: string;
  /** An S3-compatible server (MinIO); unset for AWS S3. */
  endpoint?: string;
  region: string;
  /** `bucket` in the path instead of the host name: MinIO and most S3-compatible servers. */
  forcePathStyle: boolean;
}

export class S3BlobStore implements BlobStore {
  private readonly client: S3Client;
  readonly location: string;

  constructor(private readonly settings: S3Settings) {
    this.location = `s3://${settings.bucket}${settings.endpoint ? ` at ${settings.endpoint}` : ''}`;
    this.client = new S3Client({
      region: settings.region,
      endpoint: settings.endpoint,
      forcePathStyle: settings.forcePathStyle,
      // Checksums only where S3 requires them: S3-compatible servers differ in the newer
      // checksum headers; Content-MD5 (below) and the blobs' own GCM tags cover integrity.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      maxAttempts: 3,
      // Bounded time: a store that hangs fails the request (the upload answers 5xx, an activity retries).
      requestHandler: { connectionTimeout: 5_000, requestTimeout: 60_000, throwOnRequestTimeout: true },
    });
  }

  async put(name: string, bytes: Buffer): Promise<void> {
    parseBlobName(name);
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.settings.bucket,
        Key: name,
        Body: bytes,
        ContentLength: bytes.length,
        ContentType: 'application/octet-stream',
        ContentMD5: createHash('md5').update(bytes).digest('base64'),
      }),
    );
  }

  async get(name: string): Promise<Buffer | undefined> {
    parseBlobName(name);
    try {
      const object = await this.client.send(new GetObjectCommand({ Bucket: this.settings.bucket, Key: name }));
      if (!object.Body) return undefined;
      const bytes = await object.Body.transformToByteArray();
      return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    } catch (error) {
      // Only a missing key is "no blob"; a missing bucket or refused credentials are errors.
      if (error instanceof NoSuchKey || (error as Error).name === 'NoSuchKey') return undefined;
      throw error;
    }
  }

  async deleteDocument(documentId: string): Promise<void> {
    // DeleteObject of a key that does not exist succeeds: idempotent as it is.
    await Promise.all(
      BLOB_VARIANTS.map((variant) => this.client.send(new DeleteObjectCommand({ Bucket: this.settings.bucket, Key: blobName(documentId, variant) }))),
    );
  }

  /** Closes the client's connections (tests, scripts). */
  close(): void {
    this.client.destroy();
  }
}
