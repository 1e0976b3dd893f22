/**
 * Image documents: refuse hostile files cheaply, decode once under strict limits, and produce
 * what reviewers see — a preview and a thumbnail, both re-encoded JPEGs with ALL metadata
 * removed (EXIF incl. GPS and camera make/model, XMP, IPTC, ICC; pixels converted to sRGB) —
 * plus quality measures, a verdict, and hashes for duplicate detection.
 *
 * Pipeline: sniff magic bytes → read the header (`sharp().metadata()`, no pixel decoding) and
 * refuse anything over the pixel limit → decode with `failOn: 'error'` and
 * `limitInputPixels`, auto-orient from EXIF, downscale to at most 2000 px (raw sRGB pixels) →
 * from those pixels: preview JPEG, thumbnail JPEG, a ≤512 px greyscale version for the quality
 * measures, and a 32×32 greyscale version for the perceptual hash.
 *
 * Re-encoding is also what defangs polyglots: bytes appended after the image (HTML, a ZIP…) are
 * never decoded, so they cannot reach the preview or thumbnail. The original is kept (encrypted)
 * only for download by reviewers.
 */
import { webcrypto } from 'node:crypto';
import sharp, { type Metadata, type OutputInfo } from 'sharp';
import { DocumentRejected, type QualityRejectionReason } from './errors';
import { isImageType, sniffType } from './sniff';

export { DocumentRejected } from './errors';

// --- limits and thresholds ------------------------------------------------------------------

/** Refuse images with more pixels than this (width × height as the header claims): 40 MP. */
export const DEFAULT_MAX_PIXELS = 40_000_000;
/** Preview: fit inside 2000 × 2000, never enlarged; JPEG quality 82, libjpeg-turbo (no mozjpeg: 3–4× faster). */
export const PREVIEW_MAX_SIDE = 2000;
export const PREVIEW_QUALITY = 82;
/** Thumbnail: fit inside 320 × 320. */
export const THUMBNAIL_MAX_SIDE = 320;
export const THUMBNAIL_QUALITY = 78;
/** Quality measures are taken on a greyscale version at most this wide/high. */
export const ANALYSIS_MAX_SIDE = 512;

/** too_small: a document photo smaller than this (oriented) cannot be read reliably. */
export const MIN_SHORT_SIDE = 400;
export const MIN_LONG_SIDE = 600;

/**
 * blurry: variance of the 4-neighbour Laplacian of the ≤512 px greyscale version (0..255 scale)
 * below this. Calibrated on the synthetic 1600 × 1000 page of test/fixtures/images.ts, blurred
 * with a Gaussian of σ px at full size before analysis:
 *   sharp ≈ 12 000 · σ1 ≈ 8 400 · σ2 ≈ 2 400 · σ3 ≈ 530 · σ4 ≈ 200 · σ5 ≈ 120 ·
 *   σ6 ≈ 75 · σ8 ≈ 29 · σ10 ≈ 12.
 * Glyphs 16 px high are still legible at σ4 and smeared beyond reading from σ6 on. The measure
 * scales with contrast² (the page at 12 % contrast scores ≈ 180; a smooth photo-like image
 * ≈ 185), so the threshold is deliberately low — "verify, don't decline": only clearly
 * unreadable images are refused; reviewers see the number for the rest.
 */
export const BLUR_MIN_LAPLACIAN_VARIANCE = 100;

/**
 * too_dark: mean brightness (0..255) below 40 — unless the image still has bright content
 * (99th percentile ≥ 128), as a dark-mode screenshot with light text does.
 */
export const TOO_DARK_MEAN = 40;
export const TOO_DARK_MAX_P99 = 128;

/**
 * overexposed: mean brightness above 235 — unless the image still has dark content (1st
 * percentile ≤ 160), as a mostly white page with a little text does. A washed-out photo has no
 * dark pixels left at all.
 */
export const OVEREXPOSED_MEAN = 235;
export const OVEREXPOSED_MIN_P1 = 160;

/**
 * unreadable (returned, not thrown): the image decodes but is practically uniform — standard
 * deviation of brightness below this — so there is nothing to read (a lens cap, a blank wall).
 */
export const BLANK_MAX_STDDEV = 3;

// --- types ----------------------------------------------------------------------------------

export type ImageFormat = 'jpeg' | 'png' | 'webp';

export interface ImageHeader {
  /** Oriented (as displayed, EXIF orientation applied). */
  width: number;
  height: number;
  format: ImageFormat;
}

export interface ImageQuality {
  /** Variance of the Laplacian of the ≤512 px greyscale version; higher is sharper. */
  sharpness: number;
  /** Mean brightness 0..255. */
  brightness: number;
  /** Standard deviation of brightness 0..255 (contrast). */
  contrast: number;
  /** 1st and 99th percentile of brightness 0..255 (darkest ink, brightest highlight). */
  p1: number;
  p99: number;
  /** Oriented size of the original. */
  width: number;
  height: number;
}

export interface ProcessedImage {
  /** JPEG, sRGB, no metadata, fit inside 2000 × 2000. */
  preview: Buffer;
  previewWidth: number;
  previewHeight: number;
  /** JPEG, sRGB, no metadata, fit inside 320 × 320. */
  thumbnail: Buffer;
  /** Oriented size of the original. */
  width: number;
  height: number;
  /** Format of the original. */
  format: ImageFormat;
  quality: ImageQuality;
  /** Set when the image is readable but not usable as proof. */
  rejection?: QualityRejectionReason;
  /** Hex SHA-256 of the original bytes (exact duplicates). */
  sha256: string;
  /** 64-bit DCT perceptual hash, 16 hex chars (near duplicates; see `hammingDistance`, `phashBands`). */
  phash: string;
}

export interface ImageOptions {
  maxPixels?: number;
  previewMaxSide?: number;
  previewQuality?: number;
  thumbnailMaxSide?: number;
}

// --- header ---------------------------------------------------------------------------------

function rejectFromSharp(err: unknown): DocumentRejected {
  if (err instanceof DocumentRejected) return err;
  const message = err instanceof Error ? err.message : String(err);
  if (/pixel limit/i.test(message)) return new DocumentRejected('too_large_dimensions', { cause: err });
  if (/unsupported image format/i.test(message)) return new DocumentRejected('unsupported_type', { cause: err });
  return new DocumentRejected('unreadable', { cause: err });
}

/**
 * The cheap pre-check: sniffs the magic bytes and reads only the header (dimensions, format,
 * orientation) — no pixels are decoded, so a 60 000 × 60 000 PNG is refused in milliseconds.
 * Throws `DocumentRejected` ('unsupported_type' | 'too_large_dimensions' | 'unreadable').
 */
export async function readImageHeader(input: Buffer, opts: { maxPixels?: number } = {}): Promise<ImageHeader> {
  const maxPixels = opts.maxPixels ?? DEFAULT_MAX_PIXELS;
  const sniffed = sniffType(input);
  if (!isImageType(sniffed)) throw new DocumentRejected('unsupported_type');
  let meta: Metadata;
  try {
    meta = await sharp(input, { limitInputPixels: maxPixels, failOn: 'error' }).metadata();
  } catch (err) {
    throw rejectFromSharp(err);
  }
  const format = meta.format;
  if (format !== sniffed.slice('image/'.length)) throw new DocumentRejected('unsupported_type');
  if (!meta.width || !meta.height) throw new DocumentRejected('unreadable');
  if (meta.width * meta.height > maxPixels) throw new DocumentRejected('too_large_dimensions');
  return {
    width: meta.autoOrient?.width ?? meta.width,
    height: meta.autoOrient?.height ?? meta.height,
    format: format as ImageFormat,
  };
}

// --- processing -----------------------------------------------------------------------------

/**
 * Decodes, checks and re-encodes an uploaded image. Throws `DocumentRejected` when the file
 * cannot be processed at all (wrong type, too many pixels, corrupt or truncated data); returns
 * `rejection` when it decodes but is not usable (too small, too dark, overexposed, blank, blurry).
 */
export async function processImage(input: Buffer, opts: ImageOptions = {}): Promise<ProcessedImage> {
  const maxPixels = opts.maxPixels ?? DEFAULT_MAX_PIXELS;
  const previewMax = opts.previewMaxSide ?? PREVIEW_MAX_SIDE;
  const thumbMax = opts.thumbnailMaxSide ?? THUMBNAIL_MAX_SIDE;
  const header = await readImageHeader(input, { maxPixels });

  // One strict decode of the untrusted bytes: auto-orient (before metadata is dropped),
  // downscale, flatten any alpha onto white, sRGB 8-bit raw pixels. Nothing of the input's
  // metadata survives raw output. Only failures here are the file's fault (→ DocumentRejected);
  // the steps after it work on our own pixel buffer, so their errors are ours and propagate.
  let decoded: { data: Buffer; info: OutputInfo };
  try {
    decoded = await sharp(input, { limitInputPixels: maxPixels, failOn: 'error', sequentialRead: true })
      .rotate()
      .resize(previewMax, previewMax, { fit: 'inside', withoutEnlargement: true })
      .flatten({ background: '#ffffff' })
      .toColourspace('srgb')
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
  } catch (err) {
    throw rejectFromSharp(err);
  }
  const { data, info } = decoded;
  const raw = { raw: { width: info.width, height: info.height, channels: info.channels } };

  const [preview, thumbnail, analysis, hashPixels, sha256] = await Promise.all([
    sharp(data, raw).jpeg({ quality: opts.previewQuality ?? PREVIEW_QUALITY, mozjpeg: false }).toBuffer(),
    sharp(data, raw)
      .resize(thumbMax, thumbMax, { fit: 'inside', withoutEnlargement: true })
      .jpeg({ quality: THUMBNAIL_QUALITY, mozjpeg: false })
      .toBuffer(),
    sharp(data, raw)
      .resize(ANALYSIS_MAX_SIDE, ANALYSIS_MAX_SIDE, { fit: 'inside', withoutEnlargement: true })
      .greyscale()
      .raw()
      .toBuffer({ resolveWithObject: true }),
    sharp(data, raw).greyscale().resize(32, 32, { fit: 'fill' }).raw().toBuffer(),
    sha256Hex(input),
  ]);

  const quality = measureQuality(analysis.data, analysis.info.width, analysis.info.height, analysis.info.channels, header);
  const rejection = classifyQuality(quality);
  return {
    preview,
    previewWidth: info.width,
    previewHeight: info.height,
    thumbnail,
    width: header.width,
    height: header.height,
    format: header.format,
    quality,
    ...(rejection ? { rejection } : {}),
    sha256,
    phash: dctHash(hashPixels, 32),
  };
}

/** SHA-256 on libuv's thread pool (WebCrypto): hashing 15 MB does not hold up the calling thread. */
async function sha256Hex(input: Buffer): Promise<string> {
  return Buffer.from(await webcrypto.subtle.digest('SHA-256', input)).toString('hex');
}

// --- quality --------------------------------------------------------------------------------

/** Brightness statistics and Laplacian variance of a greyscale raster (first channel used). */
export function measureQuality(
  grey: Uint8Array,
  width: number,
  height: number,
  channels = 1,
  original: { width: number; height: number } = { width, height },
): ImageQuality {
  const n = width * height;
  const hist = new Uint32Array(256);
  let sum = 0;
  let sumSq = 0;
  for (let i = 0; i < n; i++) {
    const v = grey[i * channels];
    hist[v]++;
    sum += v;
    sumSq += v * v;
  }
  const mean = n ? sum / n : 0;
  const contrast = n ? Math.sqrt(Math.max(0, sumSq / n - mean * mean)) : 0;
  const percentile = (p: number) => {
    const target = p * n;
    let acc = 0;
    for (let v = 0; v < 256; v++) {
      acc += hist[v];
      if (acc > target) return v;
    }
    return 255;
  };

  // Laplacian (0 1 0 / 1 -4 1 / 0 1 0) over interior pixels; variance of the responses.
  let lSum = 0;
  let lSumSq = 0;
  let count = 0;
  const at = (x: number, y: number) => grey[(y * width + x) * channels];
  for (let y = 1; y < height - 1; y++) {
    for (let x = 1; x < width - 1; x++) {
      const l = at(x - 1, y) + at(x + 1, y) + at(x, y - 1) + at(x, y + 1) - 4 * at(x, y);
      lSum += l;
      lSumSq += l * l;
      count++;
    }
  }
  const lMean = count ? lSum / count : 0;
  const sharpness = count ? lSumSq / count - lMean * lMean : 0;

  const round = (v: number) => Math.round(v * 10) / 10;
  return {
    sharpness: round(sharpness),
    brightness: round(mean),
    contrast: round(contrast),
    p1: percentile(0.01),
    p99: percentile(0.99),
    width: original.width,
    height: original.height,
  };
}

/** The verdict for measured quality, first failing check wins (size, light, blank, focus). */
export function classifyQuality(q: ImageQuality): QualityRejectionReason | undefined {
  if (Math.min(q.width, q.height) < MIN_SHORT_SIDE || Math.max(q.width, q.height) < MIN_LONG_SIDE) return 'too_small';
  if (q.brightness < TOO_DARK_MEAN && q.p99 < TOO_DARK_MAX_P99) return 'too_dark';
  if (q.brightness > OVEREXPOSED_MEAN && q.p1 > OVEREXPOSED_MIN_P1) return 'overexposed';
  if (q.contrast < BLANK_MAX_STDDEV) return 'unreadable';
  if (q.sharpness < BLUR_MIN_LAPLACIAN_VARIANCE) return 'blurry';
  return undefined;
}

// --- perceptual hash ------------------------------------------------------------------------

/**
 * DCT perceptual hash (as in pHash / Python imagehash.phash): 2-D DCT-II of a size × size
 * greyscale raster, keep the 8 × 8 lowest frequencies, one bit per coefficient: above the
 * median of those 64. Bits row-major, most significant first, as 16 hex chars.
 */
export function dctHash(grey: Uint8Array, size = 32): string {
  if (grey.length < size * size) throw new Error(`dctHash needs ${size}×${size} pixels`);
  const cos: number[][] = [];
  for (let u = 0; u < 8; u++) {
    cos.push([]);
    for (let x = 0; x < size; x++) cos[u].push(Math.cos(((2 * x + 1) * u * Math.PI) / (2 * size)));
  }
  // Rows first (only the 8 lowest frequencies are needed), then columns.
  const rows: number[][] = [];
  for (let y = 0; y < size; y++) {
    const r: number[] = [];
    for (let u = 0; u < 8; u++) {
      let s = 0;
      for (let x = 0; x < size; x++) s += grey[y * size + x] * cos[u][x];
      r.push(s);
    }
    rows.push(r);
  }
  const coeffs: number[] = [];
  for (let v = 0; v < 8; v++) {
    for (let u = 0; u < 8; u++) {
      let s = 0;
      for (let y = 0; y < size; y++) s += rows[y][u] * cos[v][y];
      coeffs.push(s);
    }
  }
  const sorted = [...coeffs].sort((a, b) => a - b);
  const median = (sorted[31] + sorted[32]) / 2;
  let bits = 0n;
  for (const c of coeffs) bits = (bits << 1n) | (c > median ? 1n : 0n);
  return bits.toString(16).padStart(16, '0');
}

function parseHash(hex: string): bigint {
  if (!/^[0-9a-f]{16}$/i.test(hex)) throw new Error('a perceptual hash is 16 hex characters');
  return BigInt(`0x${hex}`);
}

/** Number of differing bits between two 64-bit hashes given as 16 hex chars. */
export function hammingDistance(a: string, b: string): number {
  let x = parseHash(a) ^ parseHash(b);
  let count = 0;
  while (x) {
    x &= x - 1n;
    count++;
  }
  return count;
}

/**
 * The hash cut into 4 bands of 16 bits, `"<i>:<hex4>"` (i = 0..3, most significant first).
 * Two hashes within Hamming distance ≤ 3 differ in at most 3 bands, so they share at least one
 * band exactly (pigeonhole). Store the bands with the document (e.g. as four indexed top-level
 * fields, or an array where the database indexes arrays), find candidates with one equality
 * lookup per band, then confirm each with `hammingDistance`. Matches at distance 4–6 are often
 * found too, but only ≤ 3 is guaranteed.
 */
export function phashBands(hash: string): string[] {
  parseHash(hash);
  const h = hash.toLowerCase();
  return [0, 1, 2, 3].map((i) => `${i}:${h.slice(i * 4, i * 4 + 4)}`);
}
