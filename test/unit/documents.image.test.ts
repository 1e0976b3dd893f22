/**
 * Image processing: metadata stripped, orientation applied, sizes bounded, quality verdicts,
 * hashes, and hostile input (truncated, polyglot, pixel bomb) refused or defanged.
 */
import { expect } from 'chai';
import { createHash } from 'node:crypto';
import sharp from 'sharp';
import {
  BLUR_MIN_LAPLACIAN_VARIANCE,
  hammingDistance,
  phashBands,
  processImage,
  readImageHeader,
  type ProcessedImage,
} from '../../documents/image';
import { DocumentRejected } from '../../documents/errors';
import * as fx from '../fixtures/images';

async function rejection(p: Promise<unknown>): Promise<DocumentRejected> {
  try {
    await p;
  } catch (err) {
    expect(err).to.be.instanceOf(DocumentRejected);
    return err as DocumentRejected;
  }
  throw new Error('expected a DocumentRejected');
}

/** Mean of the RGB values in a small square of a decoded image. */
async function meanAt(image: Buffer, x: number, y: number, r = 4): Promise<number> {
  const { data, info } = await sharp(image)
    .extract({ left: x - r, top: y - r, width: 2 * r, height: 2 * r })
    .raw()
    .toBuffer({ resolveWithObject: true });
  let sum = 0;
  for (const v of data) sum += v;
  return sum / (info.width * info.height * info.channels);
}

async function expectNoMetadata(jpeg: Buffer): Promise<void> {
  const meta = await sharp(jpeg).metadata();
  expect(meta.format).to.equal('jpeg');
  expect(meta.exif, 'exif').to.equal(undefined);
  expect(meta.xmp, 'xmp').to.equal(undefined);
  expect(meta.iptc, 'iptc').to.equal(undefined);
  expect(meta.icc, 'icc').to.equal(undefined);
  expect(meta.orientation, 'orientation').to.equal(undefined);
  expect(meta.space).to.equal('srgb');
}

describe('documents: image processing', function () {
  this.timeout(30_000);

  describe('metadata and orientation', () => {
    let input: Buffer;
    let out: ProcessedImage;
    before(async () => {
      input = await fx.exifJpeg();
      out = await processImage(input);
    });

    it('the fixture really carries EXIF (make, model, GPS), XMP, ICC and orientation 6', async () => {
      const meta = await sharp(input).metadata();
      expect(meta.orientation).to.equal(6);
      expect(meta.xmp?.toString()).to.include('Secret Person');
      expect(meta.icc).to.be.instanceOf(Buffer);
      const exif = fx.readExifSummary(meta.exif as Buffer);
      expect(exif).to.include({ make: 'TestCam', model: 'X1', hasGps: true, gpsLatitudeRef: 'N', orientation: 6 });
    });

    it('preview and thumbnail carry no EXIF, GPS, XMP, IPTC or ICC, and no camera or location bytes', async () => {
      for (const variant of [out.preview, out.thumbnail]) {
        await expectNoMetadata(variant);
        expect(variant.includes(Buffer.from('TestCam'))).to.equal(false);
        expect(variant.includes(Buffer.from('Secret Person'))).to.equal(false);
        expect(variant.includes(Buffer.from('Exif\0\0', 'latin1'))).to.equal(false);
      }
    });

    it('applies the EXIF orientation: a 1600 × 1000 image with orientation 6 comes out 1000 × 1600', async () => {
      expect(out).to.include({ width: 1000, height: 1600, previewWidth: 1000, previewHeight: 1600, format: 'jpeg' });
      expect(out.quality).to.include({ width: 1000, height: 1600 });
      const thumb = await sharp(out.thumbnail).metadata();
      expect([thumb.width, thumb.height]).to.deep.equal([200, 320]);
      // The header block sits at the top LEFT of the stored landscape pixels (x 90–350,
      // y 60–130); turned 90° clockwise it must be at the top RIGHT of the portrait preview.
      expect(await meanAt(out.preview, 1000 - 1 - 95, 220)).to.be.below(80);
      expect(await meanAt(out.preview, 95, 220)).to.be.above(180);
    });

    it('readImageHeader reports the oriented size without decoding', async () => {
      expect(await readImageHeader(input)).to.deep.equal({ width: 1000, height: 1600, format: 'jpeg' });
    });

    it('PNG with alpha and WebP come out as metadata-free JPEGs', async () => {
      for (const make of [fx.pngWithAlpha, fx.webpImage]) {
        const r = await processImage(await make());
        await expectNoMetadata(r.preview);
        await expectNoMetadata(r.thumbnail);
        expect(r.rejection).to.equal(undefined);
      }
      expect((await processImage(await fx.pngWithAlpha())).format).to.equal('png');
    });
  });

  describe('sizes', () => {
    it('preview fits inside 2000 × 2000 and thumbnail inside 320 × 320 (12 MP input)', async () => {
      const r = await processImage(await fx.largeJpeg());
      expect(r).to.include({ width: 4000, height: 3000, previewWidth: 2000, previewHeight: 1500 });
      const preview = await sharp(r.preview).metadata();
      const thumb = await sharp(r.thumbnail).metadata();
      expect([preview.width, preview.height]).to.deep.equal([2000, 1500]);
      expect([thumb.width, thumb.height]).to.deep.equal([320, 240]);
    });

    it('never enlarges a small image', async () => {
      const r = await processImage(await fx.tinyJpeg());
      const preview = await sharp(r.preview).metadata();
      const thumb = await sharp(r.thumbnail).metadata();
      expect([preview.width, preview.height]).to.deep.equal([300, 200]);
      expect([thumb.width, thumb.height]).to.deep.equal([300, 200]);
    });
  });

  describe('quality verdicts', () => {
    const table: Array<[string, () => Promise<Buffer>, string | undefined]> = [
      ['sharp document', fx.documentJpeg, undefined],
      ['slightly soft document (σ 1.2)', fx.softJpeg, undefined],
      ['near-duplicate re-encode (q60, 95 %)', fx.nearDuplicateJpeg, undefined],
      ['dark-mode screenshot (dark but with bright text)', fx.darkModeJpeg, undefined],
      ['mostly white page with a little text', fx.sparsePageJpeg, undefined],
      ['rotated photo with EXIF', fx.exifJpeg, undefined],
      ['blurred document (σ 8)', fx.blurredJpeg, 'blurry'],
      ['dark document', fx.darkJpeg, 'too_dark'],
      ['washed-out document', fx.overexposedJpeg, 'overexposed'],
      ['300 × 200 image', fx.tinyJpeg, 'too_small'],
      ['uniform grey image', () => sharp({ create: { width: 1200, height: 900, channels: 3, background: '#808080' } }).jpeg().toBuffer(), 'unreadable'],
    ];
    for (const [what, make, expected] of table) {
      it(`${what} → ${expected ?? 'accepted'}`, async () => {
        const r = await processImage(await make());
        expect(r.rejection, JSON.stringify(r.quality)).to.equal(expected);
      });
    }

    it('reports sharpness and brightness on a 0..255 scale; sharp beats blurred by a wide margin', async () => {
      const sharpQ = (await processImage(await fx.documentJpeg())).quality;
      const blurQ = (await processImage(await fx.blurredJpeg())).quality;
      expect(sharpQ.brightness).to.be.within(150, 255);
      expect(sharpQ.sharpness).to.be.above(10 * BLUR_MIN_LAPLACIAN_VARIANCE);
      expect(blurQ.sharpness).to.be.below(BLUR_MIN_LAPLACIAN_VARIANCE / 2);
      expect((await processImage(await fx.darkJpeg())).quality.brightness).to.be.below(40);
      expect((await processImage(await fx.overexposedJpeg())).quality.brightness).to.be.above(235);
    });
  });

  describe('hashes', () => {
    it('sha256 is of the original bytes', async () => {
      const input = await fx.documentJpeg();
      expect((await processImage(input)).sha256).to.equal(createHash('sha256').update(input).digest('hex'));
    });

    it('a near duplicate is within Hamming distance 6, a different image beyond 16', async () => {
      const a = await processImage(await fx.documentJpeg());
      const near = await processImage(await fx.nearDuplicateJpeg());
      const other = await processImage(await fx.differentJpeg());
      expect(a.phash).to.match(/^[0-9a-f]{16}$/);
      expect(hammingDistance(a.phash, near.phash)).to.be.at.most(6);
      expect(hammingDistance(a.phash, other.phash)).to.be.above(16);
      expect(a.sha256).to.not.equal(near.sha256);
      const bands = new Set(phashBands(a.phash));
      expect(phashBands(near.phash).some((b) => bands.has(b))).to.equal(true);
    });

    it('hammingDistance counts differing bits', () => {
      expect(hammingDistance('0000000000000000', '0000000000000000')).to.equal(0);
      expect(hammingDistance('0000000000000000', 'ffffffffffffffff')).to.equal(64);
      expect(hammingDistance('8000000000000001', '0000000000000000')).to.equal(2);
      expect(hammingDistance('ABCDEF0123456789', 'abcdef0123456789')).to.equal(0);
      expect(() => hammingDistance('abc', '0000000000000000')).to.throw(/16 hex/);
    });

    it('phashBands: 4 bands "<i>:<hex4>"; hashes within distance 3 always share one', () => {
      expect(phashBands('0123456789ABCDEF')).to.deep.equal(['0:0123', '1:4567', '2:89ab', '3:cdef']);
      let seed = 42;
      const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
      for (let trial = 0; trial < 500; trial++) {
        const h = Array.from({ length: 16 }, () => Math.floor(rand() * 16).toString(16)).join('');
        let x = BigInt(`0x${h}`);
        const flips = new Set<number>();
        while (flips.size < 3) flips.add(Math.floor(rand() * 64));
        for (const bit of flips) x ^= 1n << BigInt(bit);
        const g = x.toString(16).padStart(16, '0');
        expect(hammingDistance(h, g)).to.equal(3);
        const bands = new Set(phashBands(h));
        expect(phashBands(g).some((b) => bands.has(b))).to.equal(true);
      }
    });
  });

  describe('hostile and broken input', () => {
    it('a truncated JPEG is refused as unreadable, with a customer-safe message', async () => {
      const err = await rejection(processImage(await fx.truncatedJpeg()));
      expect(err.reason).to.equal('unreadable');
      expect(err.message).to.not.match(/vips|jpeg:|premature/i);
    });

    it('a JPEG header followed by garbage sniffs as JPEG but is unreadable', async () => {
      expect((await rejection(processImage(fx.jpegHeaderGarbage()))).reason).to.equal('unreadable');
    });

    it('a JPEG with an HTML payload appended is processed, and no output carries the payload', async () => {
      const input = await fx.jpegWithHtml();
      expect(input.includes(Buffer.from('<script>'))).to.equal(true);
      const r = await processImage(input);
      expect(r.rejection).to.equal(undefined);
      for (const out of [r.preview, r.thumbnail]) {
        expect(out.includes(Buffer.from('<script>'))).to.equal(false);
        expect(out.includes(Buffer.from('<html>'))).to.equal(false);
        // ends at the JPEG EOI marker
        expect(out.subarray(-2).equals(Buffer.from([0xff, 0xd9]))).to.equal(true);
      }
    });

    it('a PNG whose IHDR claims 60 000 × 60 000 is refused from its header in < 1 s', async () => {
      const bomb = fx.pixelBombPng(60_000, 60_000);
      expect(bomb.length).to.be.below(100);
      const started = process.hrtime.bigint();
      const headerErr = await rejection(readImageHeader(bomb));
      const processErr = await rejection(processImage(bomb));
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      expect(headerErr.reason).to.equal('too_large_dimensions');
      expect(processErr.reason).to.equal('too_large_dimensions');
      expect(ms).to.be.below(1000);
    });

    it('the pixel limit is configurable', async () => {
      const err = await rejection(processImage(await fx.documentJpeg(), { maxPixels: 1_000_000 }));
      expect(err.reason).to.equal('too_large_dimensions');
    });

    it('non-image bytes are unsupported_type before any decoder runs', async () => {
      for (const bytes of [
        Buffer.from('just text named photo.jpg'),
        Buffer.alloc(0),
        Buffer.from('%PDF-1.7\n'),
        Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>'),
        await sharp({ create: { width: 800, height: 600, channels: 3, background: '#fff' } }).gif().toBuffer(),
        await sharp({ create: { width: 800, height: 600, channels: 3, background: '#fff' } }).tiff().toBuffer(),
      ]) {
        expect((await rejection(processImage(bytes))).reason).to.equal('unsupported_type');
      }
    });
  });
});
