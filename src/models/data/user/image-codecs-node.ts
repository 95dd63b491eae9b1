/**
 * The PNG / JPEG decoders behind `#graft/image` (package.json `imports`) in Node: pngjs and
 * jpeg-js, both pure JS, both returning RGBA bytes. image-codecs-browser.ts is the page's variant.
 */
import { PNG } from 'pngjs';
import jpeg from 'jpeg-js';

/** Decoded RGBA pixels. */
export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/** Decode a PNG file's bytes (pngjs' synchronous reader); throws the decoder's error. */
export function decodePngRgba(bytes: Uint8Array): RgbaImage {
  const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  return { width: png.width, height: png.height, data: png.data };
}

/** Decode a JPEG file's bytes (jpeg-js) under resolution and memory caps; throws the decoder's error. */
export function decodeJpegRgba(bytes: Uint8Array, caps: { maxResolutionInMP: number; maxMemoryUsageInMB: number }): RgbaImage {
  return jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, ...caps });
}
