/** The user's own data: text files per class, CSV / JSONL of text,label, image folders per class. */
export { detectDataLayout, loadUserTexts, listUserImages, decodeUserImages, imageShapeOf, MAX_TEXT_FILE_BYTES, MAX_IMAGE_FILE_BYTES, MAX_CLASSES, MAX_EXAMPLES, MAX_IMAGE_VALUES } from './user-data.js';
export type { DataLayout, UserTexts, UserImageFiles } from './user-data.js';
export { decodeImage, isPng, isJpeg, MAX_IMAGE_SIDE } from './image-decode.js';
export type { DecodedImage } from './image-decode.js';
export { stratifiedSplit } from './split.js';
export type { SplitIndices } from './split.js';
