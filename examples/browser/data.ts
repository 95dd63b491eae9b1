/**
 * MNIST in the page: the repository's IDX files (data/mnist/*.gz) fetched over HTTP, gunzipped
 * with the browser's DecompressionStream and parsed by Graft's IDX reader — the same bytes and
 * the same [0,1] scaling as `loadMnist` in Node, so both runs train on identical data.
 */
import { FormatError, GraftError } from '../../src/errors.js';
import { parseIdx } from '../../src/models/data/mnist.js';
import type { ExampleSet } from '../../src/models/data/example-set.js';

async function fetchGunzipped(url: string): Promise<Uint8Array> {
  const res = await fetch(url);
  if (!res.ok || !res.body) {
    throw new GraftError('data_not_found', `${url}: HTTP ${res.status}`, { hint: 'serve the repository with node scripts/serve-examples.mjs (data/mnist/ must be there)' });
  }
  try {
    return new Uint8Array(await new Response(res.body.pipeThrough(new DecompressionStream('gzip'))).arrayBuffer());
  } catch (e) {
    throw new FormatError('gzip_corrupt', `${url}: not a valid gzip file`, { hint: 're-copy the file', cause: e });
  }
}

/** Load one MNIST split from `base` (the URL of data/mnist/): images `[n,28,28,1]` in [0,1], labels = digits. */
export async function fetchMnist(base: string, split: 'train' | 'test'): Promise<ExampleSet> {
  const stem = split === 'train' ? 'train10k' : 't10k';
  const [img, lbl] = await Promise.all([fetchGunzipped(`${base}${stem}-images-idx3-ubyte.gz`), fetchGunzipped(`${base}${stem}-labels-idx1-ubyte.gz`)]);
  const images = parseIdx(img, `${stem} images`);
  const labels = parseIdx(lbl, `${stem} labels`);
  if (images.dims.length !== 3 || labels.dims.length !== 1 || images.dims[0] !== labels.dims[0]) {
    throw new FormatError('idx_shape_mismatch', `${stem}: ${images.dims.join('x')} images do not match ${labels.dims.join('x')} labels`, { hint: 'the images and labels files must come from the same split' });
  }
  const x = new Float32Array(images.data.length);
  for (let i = 0; i < x.length; i++) x[i] = images.data[i]! / 255;
  return { x, exampleShape: [28, 28, 1], labels: Int32Array.from(labels.data), classNames: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'], count: images.dims[0]! };
}
