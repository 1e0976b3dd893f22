/**
 * A ZIP written as it is read (fflate's streaming `Zip`): one file's bytes in
 * memory at a time, and the next file is not read before the reader has taken
 * what was written (back-pressure on the returned stream). Each file's SHA-256
 * and size are measured on the way; `manifest` turns them into a last file.
 */
import { createHash } from 'node:crypto';
import { PassThrough, type Readable } from 'node:stream';
import { Zip, ZipDeflate, ZipPassThrough } from 'fflate';

export interface ZipEntry {
  path: string;
  /** Read only when the entry's turn comes. */
  data: () => Promise<Buffer>;
  /** JSON compresses; JPEG, PNG, WebP and PDF do not (stored as they are). */
  compress: boolean;
}

export interface ManifestFile {
  path: string;
  size: number;
  sha256: string;
}

/** A time for every entry (fflate defaults to "now"; a fixed one keeps the archive reproducible from its inputs). */
const ZIP_EPOCH = new Date('2000-01-01T00:00:00Z');

export function zipStream(entries: Iterable<ZipEntry>, manifest: (files: ManifestFile[]) => Buffer): Readable {
  const out = new PassThrough();
  const zip = new Zip((error, chunk, final) => {
    if (error) return void out.destroy(error);
    out.write(chunk);
    if (final) out.end();
  });
  const add = (path: string, data: Buffer, compress: boolean) => {
    const file = compress ? new ZipDeflate(path, { level: 6 }) : new ZipPassThrough(path);
    file.mtime = ZIP_EPOCH;
    zip.add(file);
    file.push(data, true);
  };
  /** Waits until the reader took what was written; false when the reader went away. */
  const drained = () =>
    new Promise<boolean>((resolve) => {
      if (out.destroyed) return resolve(false);
      if (!out.writableNeedDrain) return resolve(true);
      const done = (ok: boolean) => () => {
        out.off('drain', onDrain);
        out.off('close', onClose);
        resolve(ok);
      };
      const onDrain = done(true);
      const onClose = done(false);
      out.once('drain', onDrain);
      out.once('close', onClose);
    });
  void (async () => {
    const files: ManifestFile[] = [];
    try {
      for (const entry of entries) {
        if (!(await drained())) return zip.terminate();
        const data = await entry.data();
        files.push({ path: entry.path, size: data.length, sha256: createHash('sha256').update(data).digest('hex') });
        add(entry.path, data, entry.compress);
      }
      if (!(await drained())) return zip.terminate();
      add('manifest.json', manifest(files), true);
      zip.end();
    } catch (error) {
      zip.terminate();
      out.destroy(error as Error);
    }
  })();
  return out;
}
