import { expect } from 'chai';
import { extensionFor, isImageType, sniffType, ACCEPTED_TYPES } from '../../documents/sniff';
import { documentJpeg, jpegHeaderGarbage, pngWithAlpha, webpImage } from '../fixtures/images';

describe('documents: sniffType', () => {
  const cases: Array<[string, () => Buffer | Promise<Buffer>, string | undefined]> = [
    ['a JPEG', documentJpeg, 'image/jpeg'],
    ['a PNG', pngWithAlpha, 'image/png'],
    ['a WebP', webpImage, 'image/webp'],
    ['a PDF', () => Buffer.from('%PDF-1.7\n%âãÏÓ\n1 0 obj\n<<>>\nendobj\n', 'latin1'), 'application/pdf'],
    ['a JPEG header followed by garbage', jpegHeaderGarbage, 'image/jpeg'],
    ['plain text named .jpg', () => Buffer.from('this is not a picture, just text in photo.jpg'), undefined],
    ['zero bytes', () => Buffer.alloc(0), undefined],
    ['an HTML page', () => Buffer.from('<!doctype html><html><body><img src=x onerror=alert(1)></body></html>'), undefined],
    ['HTML that mentions %PDF later', () => Buffer.from('<html>%PDF-1.7</html>'), undefined],
    ['an SVG', () => Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'), undefined],
    ['a GIF', () => Buffer.from('GIF89a\x01\x00\x01\x00', 'latin1'), undefined],
    ['a RIFF that is not WebP (WAV)', () => Buffer.from('RIFF\x24\x00\x00\x00WAVEfmt ', 'latin1'), undefined],
    ['a lone FF D8', () => Buffer.from([0xff, 0xd8]), undefined],
    ['a PNG signature cut short', () => Buffer.from([0x89, 0x50, 0x4e, 0x47]), undefined],
    ['a ZIP', () => Buffer.from('PK\x03\x04\x14\x00', 'latin1'), undefined],
  ];

  for (const [what, make, expected] of cases) {
    it(`${what} → ${expected ?? 'undefined'}`, async () => {
      expect(sniffType(await make())).to.equal(expected);
    });
  }

  it('needs only the first 12 bytes', async () => {
    for (const make of [documentJpeg, pngWithAlpha, webpImage]) {
      const buf = await make();
      expect(sniffType(buf.subarray(0, 12))).to.equal(sniffType(buf));
    }
  });

  it('extensionFor and isImageType cover every accepted type', () => {
    expect(ACCEPTED_TYPES.map(extensionFor)).to.deep.equal(['jpg', 'png', 'webp', 'pdf']);
    expect(ACCEPTED_TYPES.filter(isImageType)).to.deep.equal(['image/jpeg', 'image/png', 'image/webp']);
    expect(isImageType(undefined)).to.equal(false);
  });
});
