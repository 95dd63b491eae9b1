// Real data written the way a user keeps it: MNIST digits as PNG/JPEG files in class folders,
// BANKING77 intents as one .txt file per class (the text-classifier article's layout).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import jpeg from 'jpeg-js';
import { loadMnist } from '../../../../src/models/data/mnist.js';
import { loadBanking77 } from '../../../../src/models/data/banking77.js';

/** PNG bytes of a grey image (`colorType` 0) or RGB (2) from 0..255 values. */
export function pngBytes(width: number, height: number, pixel: (x: number, y: number) => [number, number, number]): Buffer {
  const png = new PNG({ width, height });
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) {
    const [r, g, b] = pixel(x, y);
    const i = 4 * (y * width + x);
    png.data[i] = r; png.data[i + 1] = g; png.data[i + 2] = b; png.data[i + 3] = 255;
  }
  return PNG.sync.write(png);
}

/** Write `perClass` MNIST test digits of each of `digits` as PNGs into `dir/<digit>/NNN.png`; returns the pixel values written. */
export async function writeMnistFolders(dir: string, digits: number[], perClass: number, options: { jpegEvery?: number } = {}): Promise<void> {
  const set = await loadMnist({ split: 'test', digits, seed: 3 });
  const count = new Map<number, number>();
  for (let i = 0; i < set.count; i++) {
    const d = digits[set.labels[i]!]!;
    const k = count.get(d) ?? 0;
    if (k >= perClass) continue;
    count.set(d, k + 1);
    mkdirSync(join(dir, String(d)), { recursive: true });
    const px = (x: number, y: number): [number, number, number] => { const v = Math.round(set.x[i * 784 + y * 28 + x]! * 255); return [v, v, v]; };
    if (options.jpegEvery && k % options.jpegEvery === options.jpegEvery - 1) {
      const data = Buffer.alloc(28 * 28 * 4);
      for (let p = 0; p < 784; p++) { const v = px(p % 28, Math.floor(p / 28))[0]; data[4 * p] = v; data[4 * p + 1] = v; data[4 * p + 2] = v; data[4 * p + 3] = 255; }
      writeFileSync(join(dir, String(d), `${String(k).padStart(3, '0')}.jpg`), jpeg.encode({ data, width: 28, height: 28 }, 95).data);
    } else writeFileSync(join(dir, String(d), `${String(k).padStart(3, '0')}.png`), pngBytes(28, 28, px));
  }
}

/** Write BANKING77 training queries of `intents` as `dir/<intent>.txt`, one per line. */
export async function writeIntentFiles(dir: string, intents: string[], perClass: number): Promise<void> {
  const t = await loadBanking77({ categories: intents, seed: 1, perClass });
  mkdirSync(dir, { recursive: true });
  intents.forEach((c, k) => writeFileSync(join(dir, `${c}.txt`), t.texts.filter((_, i) => t.labels[i] === k).join('\n') + '\n'));
}
