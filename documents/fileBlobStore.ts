/**
 * Blobs as files: `<root>/<documentId>/<variant>`, for the embedded stack and a single-box
 * `npm start`. Every process on the machine (API, workers) shares the directory; nothing is
 * cached in a process, so what one writes the others read at once. One machine only: API and
 * workers on several machines need S3 (s3BlobStore.ts) — a network file system is not tested.
 *
 * put: write a temporary file in the document's directory, fsync it, rename it over the name
 * (atomic on POSIX: a reader opens the old file or the new one, never a part; a reader that
 * already has the old one open keeps reading it whole), then fsync the directory so the rename
 * itself is on disk. What a crash can lose, then:
 * - a process crash (API, worker) at any point: nothing that a put had resolved; a put cut
 *   short leaves the old blob (or none) and maybe a `.<variant>.*.tmp` file, never read and
 *   removed with its document's directory;
 * - a power cut or kernel crash: nothing that a put had resolved (file and directory entry were
 *   fsynced before it resolved; the upload is answered only after that), on file systems that
 *   honour fsync (ext4, xfs). A deletion is not fsynced: a power cut right after a purge can
 *   bring a deleted directory back — its data key is already gone (crypto-shredding), and the
 *   next purge run deletes it again.
 *
 * Files are 0600 and directories 0700: only the user that runs the processes reads them.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { checkDocumentId, parseBlobName, type BlobStore } from './blobStore';

export class FileBlobStore implements BlobStore {
  readonly root: string;

  constructor(root: string) {
    this.root = path.resolve(root);
  }

  get location(): string {
    return this.root;
  }

  async put(name: string, bytes: Buffer): Promise<void> {
    const { documentId, variant } = parseBlobName(name);
    const dir = path.join(this.root, documentId);
    // A deletion of the same document racing this put can remove the directory under it
    // (ENOENT on open or rename): make it again and write again; the later operation wins.
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.write(dir, variant, bytes);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || attempt >= 3) throw error;
      }
    }
  }

  private async write(dir: string, variant: string, bytes: Buffer): Promise<void> {
    const created = await mkdir(dir, { recursive: true, mode: 0o700 });
    const tmp = path.join(dir, `.${variant}.${randomBytes(8).toString('hex')}.tmp`);
    try {
      const file = await open(tmp, 'wx', 0o600);
      try {
        await file.writeFile(bytes);
        await file.sync();
      } finally {
        await file.close();
      }
      await rename(tmp, path.join(dir, variant));
    } catch (error) {
      await rm(tmp, { force: true });
      throw error;
    }
    await syncDirectory(dir);
    // A directory made just now is an entry in its parent (and so on up to the first one made).
    if (created) {
      for (let d = dir; ; d = path.dirname(d)) {
        await syncDirectory(path.dirname(d));
        if (d === created || d === path.dirname(d)) break;
      }
    }
  }

  async get(name: string): Promise<Buffer | undefined> {
    const { documentId, variant } = parseBlobName(name);
    try {
      return await readFile(path.join(this.root, documentId, variant));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  async deleteDocument(documentId: string): Promise<void> {
    // maxRetries: a put racing the deletion can add a file between the unlinks and the rmdir.
    await rm(path.join(this.root, checkDocumentId(documentId)), { recursive: true, force: true, maxRetries: 3 });
  }
}

async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
