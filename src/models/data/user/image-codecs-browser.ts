/**
 * `#graft/image` in a page (`browser` condition): image folders are a Node feature (a page cannot
 * list a folder, and pngjs needs Node's zlib and streams), so decoding says so with a typed error.
 */
import { FormatError } from '../../../errors.js';
import type * as Node from './image-codecs-node.js';

function nodeOnly(): never {
  throw new FormatError('images_node_only', 'decoding image files for --data image folders runs in Node, not in a browser page', {
    hint: 'in a page decode images with createImageBitmap / a canvas and pass the pixels as tensors (tf.browser.fromPixels)',
  });
}

export const decodePngRgba: typeof Node.decodePngRgba = () => nodeOnly();
export const decodeJpegRgba: typeof Node.decodeJpegRgba = () => nodeOnly();
