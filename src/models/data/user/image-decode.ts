/**
 * PNG and JPEG decoding for image-folder data (pngjs, jpeg-js), into 8-bit RGB with the
 * dimensions checked before any pixel buffer is allocated:
 *
 * - PNG: signature `89 50 4E 47 0D 0A 1A 0A`, then the IHDR chunk (length 13, type `IHDR`,
 *   big-endian u32 width at byte 16 and height at byte 20); both must be 1..MAX_SIDE.
 * - JPEG: SOI `FF D8`; jpeg-js decodes with `maxResolutionInMP` and `maxMemoryUsageInMB` caps.
 *
 * Alpha is dropped (not composited); a pixel is grey when R = G = B. Any decoder failure is a
 * FormatError `bad_image` naming the file.
 */
import { decodeJpegRgba, decodePngRgba, type RgbaImage } from '#graft/image';
import { FormatError } from '../../../errors.js';

/** Longest side accepted (pixels): larger images are refused before decoding. */
export const MAX_IMAGE_SIDE = 4096;

/** A decoded image: `width * height * 3` RGB bytes, and whether every pixel is grey. */
export interface DecodedImage {
  width: number;
  height: number;
  rgb: Uint8Array;
  grey: boolean;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Whether bytes start with the PNG signature. */
export function isPng(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && PNG_SIGNATURE.every((b, i) => bytes[i] === b);
}

/** Whether bytes start with a JPEG SOI marker. */
export function isJpeg(bytes: Uint8Array): boolean {
  return bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
}

function bad(path: string, why: string, cause?: unknown): FormatError {
  return new FormatError('bad_image', `${path}: ${why}`, { hint: 'remove or re-save the file (PNG or JPEG); every file in a class folder must be an image', details: { path }, cause });
}

function checkSide(path: string, width: number, height: number): void {
  if (!(width >= 1 && height >= 1 && width <= MAX_IMAGE_SIDE && height <= MAX_IMAGE_SIDE)) {
    throw new FormatError('image_too_large', `${path}: ${width}x${height} pixels; images may have at most ${MAX_IMAGE_SIDE} pixels a side`, {
      hint: 'resize the images to the model input size first', details: { path, width, height, max: MAX_IMAGE_SIDE },
    });
  }
}

function toRgb(path: string, rgba: Uint8Array, width: number, height: number): DecodedImage {
  const n = width * height;
  if (rgba.length < 4 * n) throw bad(path, `decoder returned ${rgba.length} bytes for ${width}x${height} RGBA`);
  const rgb = new Uint8Array(3 * n);
  let grey = true;
  for (let i = 0; i < n; i++) {
    const r = rgba[4 * i]!, g = rgba[4 * i + 1]!, b = rgba[4 * i + 2]!;
    rgb[3 * i] = r;
    rgb[3 * i + 1] = g;
    rgb[3 * i + 2] = b;
    if (r !== g || g !== b) grey = false;
  }
  return { width, height, rgb, grey };
}

/**
 * Decode a PNG or JPEG file's bytes.
 * @throws FormatError `bad_image` (not PNG/JPEG, damaged), `image_too_large`.
 */
export function decodeImage(bytes: Uint8Array, path: string): DecodedImage {
  if (isPng(bytes)) {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (bytes.length < 24 || String.fromCharCode(...bytes.subarray(12, 16)) !== 'IHDR') throw bad(path, 'PNG without an IHDR chunk first');
    checkSide(path, view.getUint32(16), view.getUint32(20));
    let png: RgbaImage;
    try {
      png = decodePngRgba(bytes);
    } catch (e) {
      if (e instanceof FormatError) throw e;
      throw bad(path, `not a readable PNG (${(e as Error).message})`, e);
    }
    return toRgb(path, png.data, png.width, png.height);
  }
  if (isJpeg(bytes)) {
    let img: RgbaImage;
    try {
      img = decodeJpegRgba(bytes, { maxResolutionInMP: (MAX_IMAGE_SIDE * MAX_IMAGE_SIDE) / 1e6, maxMemoryUsageInMB: 512 });
    } catch (e) {
      if (e instanceof FormatError) throw e;
      throw bad(path, `not a readable JPEG (${(e as Error).message})`, e);
    }
    checkSide(path, img.width, img.height);
    return toRgb(path, img.data, img.width, img.height);
  }
  throw bad(path, 'neither a PNG nor a JPEG (by its first bytes)');
}
