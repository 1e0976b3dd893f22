/**
 * An S3-protocol server for the tests of the S3 blob store: our gofakes3 main (stack/s3),
 * in memory, on a free loopback port, with one bucket. Not part of `npm start`: the embedded
 * stack keeps documents on the filesystem; production uses MinIO or S3.
 */
import path from 'node:path';
import { s3Binary } from './binaries';
import { startProcess, waitFor } from './processes';

export interface TestS3 {
  /** `http://127.0.0.1:<port>`: S3_ENDPOINT, with S3_FORCE_PATH_STYLE=true. */
  endpoint: string;
  bucket: string;
  stop(): Promise<void>;
}

export async function startTestS3(options: { bucket: string; logDir: string }): Promise<TestS3> {
  let endpoint: string | undefined;
  const proc = startProcess('s3', s3Binary(), ['-listen', '127.0.0.1:0', '-bucket', options.bucket], {
    logDir: options.logDir,
    onLine: (line) => {
      const ready = /^ready (http:\/\/\S+)$/.exec(line.trim());
      if (ready) endpoint = ready[1];
    },
  });
  try {
    await waitFor('the test S3 server', async () => endpoint !== undefined, { process: proc, timeoutMs: 30_000, logHint: path.join(options.logDir, 's3.log') });
  } catch (error) {
    await proc.stop();
    throw error;
  }
  return { endpoint: endpoint!, bucket: options.bucket, stop: () => proc.stop() };
}
