/**
 * Photo-like test images that are unique per call (random shapes, colours and gradient), so the
 * document pipeline does not flag them as duplicates of images other tests upload. Built like the
 * fixtures' `differentJpeg` (smooth gradient, a bright disc, a dark bar, a little noise) plus two
 * checkerboard patches, so it always passes the quality checks (sharp, normal brightness, 1600 × 1000).
 */
import sharp from 'sharp';

export async function uniquePhotoJpeg(hue = 0): Promise<Buffer> {
  const width = 1600;
  const height = 1000;
  const r = Math.random;
  const disc = { x: 300 + r() * 1000, y: 200 + r() * 600, radius: 120 + r() * 160 };
  const bar = { x: r() * 1100, y: r() * 600, w: 250 + r() * 300, h: 150 + r() * 250 };
  const vertical = r() < 0.5;
  const tint = [Math.round(r() * 40) - 20, Math.round(r() * 40) - 20, Math.round(r() * 40) - 20];
  const patches = [0, 1].map((k) => ({ x: k * 800 + r() * 500, y: r() * 700, size: 200 + Math.round(r() * 100), cell: 16 + Math.round(r() * 12) }));
  const data = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      const inDisc = (x - disc.x) ** 2 + (y - disc.y) ** 2 < disc.radius ** 2;
      const inBar = x > bar.x && x < bar.x + bar.w && y > bar.y && y < bar.y + bar.h;
      const v = inDisc ? 230 : inBar ? 20 : Math.round(60 + (140 * (vertical ? y / height : x / width)));
      // Two checkerboard patches: high-contrast edges wherever they land, so the photo is
      // never judged blurry (a disc on a bright stretch of the gradient alone can be).
      const patch = patches.find((p) => x >= p.x && x < p.x + p.size && y >= p.y && y < p.y + p.size);
      if (patch) {
        const dark = (Math.floor((x - patch.x) / patch.cell) + Math.floor((y - patch.y) / patch.cell)) % 2 === 0;
        data[i] = data[i + 1] = data[i + 2] = dark ? 25 : 230;
        continue;
      }
      const noise = Math.floor(r() * 16) - 8;
      data[i] = Math.max(0, Math.min(255, v + noise + 20 + tint[0]));
      data[i + 1] = Math.max(0, Math.min(255, v + noise + tint[1]));
      data[i + 2] = Math.max(0, Math.min(255, v + noise - 30 + Math.round((60 * x) / width) + tint[2]));
    }
  }
  return sharp(data, { raw: { width, height, channels: 3 } }).modulate({ hue }).jpeg({ quality: 85 }).toBuffer();
}
