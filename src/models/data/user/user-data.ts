/**
 * The user's own data for `graft train --data D` / `graft eval --data D`. Layouts, by what D is:
 *
 * - a folder of `*.txt` files: one class per file (class name = file name without `.txt`), one
 *   example per non-empty line (the text-classifier article's layout);
 * - a `*.csv` file with a header holding `text` and `label` (or `category`, `intent`) columns, or
 *   a `*.jsonl` file of `{"text": …, "label": …}` lines: text examples;
 * - a folder of class subfolders holding `*.png` / `*.jpg` / `*.jpeg` files: image examples
 *   (class name = subfolder name).
 *
 * Classes are sorted by name (code-point order), examples within a class by file name / line /
 * row, so the label numbering never depends on readdir order. Names starting with `.` are
 * ignored. Split: split.ts. Caps (named constants below) keep a hostile folder from exhausting
 * memory; each failure is a typed error naming the file.
 */
import { readdir, stat } from '../../../io/fs.js';
import { basename, extname, join } from '../../../io/path.js';
import { FormatError, InvalidArgumentError } from '../../../errors.js';
import { readRegularFile } from '#graft/node';
import { withFsErrors } from '../../../io/fs-errors.js';
import { parseCsvObjects } from '../csv.js';
import type { LabelledTexts } from '../banking77.js';
import { decodeImage, type DecodedImage } from './image-decode.js';

/** Largest text / CSV / JSONL file read (bytes). */
export const MAX_TEXT_FILE_BYTES = 256 * 1024 * 1024;
/** Largest image file read (bytes). */
export const MAX_IMAGE_FILE_BYTES = 32 * 1024 * 1024;
/** Most classes a data folder may have. */
export const MAX_CLASSES = 10_000;
/** Most examples (text lines or images) in one data set. */
export const MAX_EXAMPLES = 2_000_000;
/** Most float32 values all decoded images may hold together (1 GiB). */
export const MAX_IMAGE_VALUES = 256 * 1024 * 1024;

/** The layouts {@link detectDataLayout} recognises. */
export type DataLayout = 'text-files' | 'csv' | 'jsonl' | 'image-folders';

/** Texts with their class, before any encoding. */
export interface UserTexts extends LabelledTexts {
  layout: Exclude<DataLayout, 'image-folders'>;
}

/** Image files by class, before decoding. */
export interface UserImageFiles {
  layout: 'image-folders';
  files: string[];
  labels: Int32Array;
  classNames: string[];
}

const IMAGE_EXT = new Set(['.png', '.jpg', '.jpeg']);
const visible = (n: string) => !n.startsWith('.');
const byCodePoint = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function dataError(code: string, message: string, hint: string, details: Record<string, unknown>): InvalidArgumentError {
  return new InvalidArgumentError(code, message, { hint, details });
}

/**
 * Which layout `path` holds.
 * @throws FileSystemError `file_not_found`, …; InvalidArgumentError `unknown_data_layout`,
 *   `mixed_data_folder`, `empty_data`.
 */
export async function detectDataLayout(path: string): Promise<DataLayout> {
  const st = await withFsErrors('stat', path, () => stat(path));
  if (st.isFile()) {
    const ext = extname(path).toLowerCase();
    if (ext === '.csv') return 'csv';
    if (ext === '.jsonl' || ext === '.ndjson') return 'jsonl';
    throw dataError('unknown_data_layout', `${path}: a data file must be .csv (text,label) or .jsonl ({"text","label"} per line)`, 'or pass a folder: one .txt file per class, or one subfolder of images per class', { path });
  }
  if (!st.isDirectory()) throw dataError('unknown_data_layout', `${path}: neither a file nor a folder`, 'pass a data folder or a .csv/.jsonl file', { path });
  const entries = (await withFsErrors('list', path, () => readdir(path, { withFileTypes: true }))).filter((e) => visible(e.name));
  const dirs = entries.filter((e) => e.isDirectory());
  const txt = entries.filter((e) => e.isFile() && extname(e.name).toLowerCase() === '.txt');
  if (dirs.length && txt.length) {
    throw dataError('mixed_data_folder', `${path}: holds both class subfolders (${dirs[0]!.name}, …) and .txt files (${txt[0]!.name}, …)`, 'use one layout: a .txt file per class, or an image subfolder per class', { path });
  }
  if (txt.length) return 'text-files';
  if (dirs.length) return 'image-folders';
  throw dataError('empty_data', `${path}: no .txt files and no class subfolders`, 'put one .txt file per class (one example per line) or one folder of PNG/JPEG images per class here', { path });
}

function checkClasses(path: string, classNames: string[]): void {
  if (classNames.length < 2) {
    throw dataError('too_few_classes', `${path}: ${classNames.length} class${classNames.length === 1 ? '' : 'es'} (${classNames.join(', ')}); a classifier needs at least 2`, 'add a class', { path, classes: classNames });
  }
  if (classNames.length > MAX_CLASSES) {
    throw dataError('too_many_classes', `${path}: ${classNames.length} classes, more than ${MAX_CLASSES}`, 'check that the label column / folder layout is the one meant', { path, classes: classNames.length });
  }
}

function checkCount(path: string, n: number): void {
  if (n > MAX_EXAMPLES) throw dataError('data_too_large', `${path}: more than ${MAX_EXAMPLES} examples`, 'train on a subset (split the data into smaller files)', { path, max: MAX_EXAMPLES });
}

async function readText(path: string): Promise<string> {
  const bytes = await readRegularFile(path, MAX_TEXT_FILE_BYTES, { what: 'data file' });
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (cause) {
    throw new FormatError('not_utf8', `${path}: not UTF-8 text`, { hint: 'save the file as UTF-8', details: { path }, cause });
  }
}

/** Texts from a folder of one `.txt` file per class. */
async function textFiles(path: string): Promise<UserTexts> {
  const names = (await withFsErrors('list', path, () => readdir(path))).filter((n) => visible(n) && extname(n).toLowerCase() === '.txt').sort(byCodePoint);
  const classNames = names.map((n) => basename(n, extname(n)));
  checkClasses(path, classNames);
  const texts: string[] = [];
  const labels: number[] = [];
  for (const [k, n] of names.entries()) {
    const file = join(path, n);
    const lines = (await readText(file)).split(/\r?\n/).map((l) => l.trim()).filter((l) => l.length > 0);
    if (lines.length === 0) throw dataError('empty_class', `${file}: class "${classNames[k]}" has no examples (no non-empty line)`, 'write one example per line, or remove the file', { path: file, class: classNames[k] });
    for (const l of lines) { texts.push(l); labels.push(k); }
    checkCount(path, texts.length);
  }
  return { layout: 'text-files', texts, labels: Int32Array.from(labels), classNames };
}

const LABEL_COLUMNS = ['label', 'category', 'intent'];

function fromRows(path: string, layout: 'csv' | 'jsonl', rows: { text: string; label: string }[]): UserTexts {
  if (rows.length === 0) throw dataError('empty_data', `${path}: no examples`, 'add rows of text,label', { path });
  checkCount(path, rows.length);
  const classNames = [...new Set(rows.map((r) => r.label))].sort(byCodePoint);
  checkClasses(path, classNames);
  const index = new Map(classNames.map((c, i) => [c, i] as const));
  return { layout, texts: rows.map((r) => r.text), labels: Int32Array.from(rows, (r) => index.get(r.label)!), classNames };
}

/** Texts from a CSV file with `text` and `label` columns. */
async function csvFile(path: string): Promise<UserTexts> {
  const objects = parseCsvObjects(await readText(path), path);
  const header = objects[0] ? Object.keys(objects[0]) : [];
  const labelCol = LABEL_COLUMNS.find((c) => header.includes(c));
  if (objects.length && (!header.includes('text') || !labelCol)) {
    throw new FormatError('bad_data_csv', `${path}: the header is ${header.join(',')}; expected a "text" column and a "label" (or "category", "intent") column`, {
      hint: 'write the first line as text,label', details: { path, header },
    });
  }
  return fromRows(path, 'csv', objects.map((o) => ({ text: o.text!, label: o[labelCol!]! })));
}

/** Texts from a JSONL file of `{"text", "label"}` objects. */
async function jsonlFile(path: string): Promise<UserTexts> {
  const rows: { text: string; label: string }[] = [];
  (await readText(path)).split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === '') return;
    let o: unknown;
    try {
      o = JSON.parse(line);
    } catch (cause) {
      throw new FormatError('bad_jsonl', `${path}: line ${i + 1} is not JSON`, { hint: 'write one {"text": "…", "label": "…"} object per line', details: { path, line: i + 1 }, cause });
    }
    const r = o as { text?: unknown; label?: unknown };
    if (typeof r?.text !== 'string' || (typeof r.label !== 'string' && typeof r.label !== 'number')) {
      throw new FormatError('bad_jsonl', `${path}: line ${i + 1} needs a string "text" and a string or number "label"`, { hint: 'write one {"text": "…", "label": "…"} object per line', details: { path, line: i + 1 } });
    }
    rows.push({ text: r.text, label: String(r.label) });
  });
  return fromRows(path, 'jsonl', rows);
}

/**
 * Load a text data set (`text-files`, `csv`, `jsonl` layouts).
 * @throws InvalidArgumentError `not_text_data` for an image folder, and the layout errors above.
 */
export async function loadUserTexts(path: string): Promise<UserTexts> {
  const layout = await detectDataLayout(path);
  if (layout === 'text-files') return textFiles(path);
  if (layout === 'csv') return csvFile(path);
  if (layout === 'jsonl') return jsonlFile(path);
  throw dataError('not_text_data', `${path}: holds image folders, but the model reads token ids`, 'pass text data (a .txt file per class, a .csv or a .jsonl)', { path });
}

/**
 * List an image data set: class subfolders sorted by name, image files sorted by name.
 * @throws InvalidArgumentError `empty_class`, `not_an_image_file`, `too_few_classes`, …
 */
export async function listUserImages(path: string): Promise<UserImageFiles> {
  const layout = await detectDataLayout(path);
  if (layout !== 'image-folders') throw dataError('not_image_data', `${path}: holds text data (${layout}), but the model reads images`, 'pass a folder with one subfolder of PNG/JPEG images per class', { path });
  const classNames = (await withFsErrors('list', path, () => readdir(path, { withFileTypes: true }))).filter((e) => visible(e.name) && e.isDirectory()).map((e) => e.name).sort(byCodePoint);
  checkClasses(path, classNames);
  const files: string[] = [];
  const labels: number[] = [];
  for (const [k, c] of classNames.entries()) {
    const dir = join(path, c);
    const names = (await withFsErrors('list', dir, () => readdir(dir))).filter(visible).sort(byCodePoint);
    const other = names.find((n) => !IMAGE_EXT.has(extname(n).toLowerCase()));
    if (other !== undefined) throw dataError('not_an_image_file', `${join(dir, other)}: not a .png/.jpg/.jpeg file`, 'class folders may hold only images; move other files out', { path: join(dir, other) });
    if (names.length === 0) throw dataError('empty_class', `${dir}: class "${c}" has no images`, 'add PNG/JPEG images or remove the folder', { path: dir, class: c });
    for (const n of names) { files.push(join(dir, n)); labels.push(k); }
    checkCount(path, files.length);
  }
  return { layout: 'image-folders', files, labels: Int32Array.from(labels), classNames };
}

/**
 * Decode images into float32 `[n, h, w, c]` in [0, 1]. Rule: every image must be exactly
 * `height x width` (no resizing: a silent resize changes what the model sees); `channels` 1
 * takes the luma `0.299 R + 0.587 G + 0.114 B` (ITU-R BT.601, as PIL's `convert('L')`), 3 keeps
 * RGB (a grey image gives R = G = B); alpha is dropped.
 * @throws FormatError `bad_image`, `image_too_large`; InvalidArgumentError `image_size_mismatch`, `data_too_large`.
 */
export async function decodeUserImages(files: readonly string[], shape: readonly [number, number, number]): Promise<Float32Array> {
  const [h, w, c] = shape;
  const per = h * w * c;
  if (files.length * per > MAX_IMAGE_VALUES) throw dataError('data_too_large', `${files.length} images of ${h}x${w}x${c} need ${files.length * per} values, more than ${MAX_IMAGE_VALUES}`, 'train on fewer or smaller images', { images: files.length, shape });
  const x = new Float32Array(files.length * per);
  for (const [i, f] of files.entries()) {
    const img = decodeImage(await readRegularFile(f, MAX_IMAGE_FILE_BYTES, { what: 'image' }), f);
    if (img.width !== w || img.height !== h) {
      throw dataError('image_size_mismatch', `${f}: ${img.width}x${img.height} pixels, the model reads ${w}x${h}`, `resize the images to ${w}x${h} (Graft does not resize: a silent resize changes what the model sees)`, { path: f, width: img.width, height: img.height, expected: [w, h] });
    }
    writePixels(img, x, i * per, c);
  }
  return x;
}

function writePixels(img: DecodedImage, x: Float32Array, offset: number, channels: number): void {
  const n = img.width * img.height;
  const p = img.rgb;
  for (let j = 0; j < n; j++) {
    const r = p[3 * j]!, g = p[3 * j + 1]!, b = p[3 * j + 2]!;
    if (channels === 1) x[offset + j] = (0.299 * r + 0.587 * g + 0.114 * b) / 255;
    else { x[offset + 3 * j] = r / 255; x[offset + 3 * j + 1] = g / 255; x[offset + 3 * j + 2] = b / 255; }
  }
}

/**
 * The input shape an image folder implies for a model built from it: the first image's size
 * (every image must share it) and 1 channel when every image is grey, else 3.
 * @throws as {@link decodeUserImages}.
 */
export async function imageShapeOf(files: readonly string[]): Promise<[number, number, number]> {
  let size: [number, number] | undefined;
  let grey = true;
  for (const f of files) {
    const img = decodeImage(await readRegularFile(f, MAX_IMAGE_FILE_BYTES, { what: 'image' }), f);
    size ??= [img.height, img.width];
    if (img.height !== size[0] || img.width !== size[1]) {
      throw dataError('image_size_mismatch', `${f}: ${img.width}x${img.height} pixels, but ${files[0]} is ${size[1]}x${size[0]}`, 'resize every image to one size', { path: f });
    }
    grey &&= img.grey;
  }
  return [size![0], size![1], grey ? 1 : 3];
}
