/**
 * safetensors writer: the same bytes the reference writer (tensor.rs `prepare` + `serialize`)
 * produces — tensors ordered by dtype alignment then name, header padded with spaces to a multiple
 * of 8 — committed atomically (temporary sibling, fsync, rename) through io/publish.ts, which
 * also rolls forward or cleans up what an earlier crashed write left in the directory.
 */
import { InvalidArgumentError } from '../../errors.js';
import { basename, dirname } from '../../io/path.js';
import { beginPublish } from '../../io/sink.js';
import { DTYPE_SIZE, numElements, type DType, type TensorValue } from '../types.js';
import { encodeHeader, writerOrder, type HeaderInput } from './header.js';

/** Options of `writeSafetensors`. */
export interface WriteSafetensorsOptions {
  /** String metadata stored under `__metadata__` (default none). */
  metadata?: Record<string, string>;
  /** fsync before and after the rename (default true). */
  fsync?: boolean;
  /**
   * Every tensor's name, dtype and shape in advance. Then the header is written first and values
   * stream to disk one at a time (bounded memory); they must arrive in `writerOrder(layout)`
   * order. Without it all tensors are gathered first.
   */
  layout?: HeaderInput[];
}

/** Gather an iterable or async iterable of tensors into an array. */
export async function collectTensors(tensors: Iterable<TensorValue> | AsyncIterable<TensorValue>): Promise<TensorValue[]> {
  const out: TensorValue[] = [];
  for await (const t of tensors) out.push(t);
  return out;
}

/** Check that a numeric tensor's bytes match its shape and dtype. */
export function checkTensorBytes(t: TensorValue): void {
  if (t.dtype === 'string') return;
  const n = numElements(t.shape) * DTYPE_SIZE[t.dtype as Exclude<DType, 'string'>];
  if (t.data.byteLength !== n) {
    throw new InvalidArgumentError('bad_tensor_bytes', `tensor "${t.name}" (${t.dtype} [${t.shape.join(',')}]) has ${t.data.byteLength} bytes; shape × dtype needs ${n}`, {
      hint: 'pass exactly the row-major little-endian bytes of the tensor', details: { name: t.name, expected: n, found: t.data.byteLength },
    });
  }
}

/**
 * Write tensors to a `.safetensors` file atomically. All tensors are gathered first (the header,
 * which comes first in the file, needs every size), then streamed to disk.
 * @throws InvalidArgumentError `dtype_not_supported` (string, complex), `duplicate_tensor_name`,
 *   `bad_tensor_bytes`.
 */
export async function writeSafetensors(
  path: string,
  tensors: Iterable<TensorValue> | AsyncIterable<TensorValue>,
  options: WriteSafetensorsOptions = {},
): Promise<void> {
  if (options.layout) {
    await writeStreaming(path, tensors, options.layout, options);
    return;
  }
  const all = await collectTensors(tensors);
  all.forEach(checkTensorBytes);
  const ordered = writerOrder(all, path);
  const header = encodeHeader(ordered, options.metadata);
  const pub = await beginPublish(dirname(path), basename(path), { fsync: options.fsync ?? true });
  try {
    const f = await pub.create(basename(path));
    await f.write(header);
    for (const t of ordered) await f.write(t.data);
    await pub.commit();
  } catch (e) {
    await pub.abort();
    throw e;
  }
}

/** Header from the layout, then each tensor as it arrives (checked against the layout). */
async function writeStreaming(
  path: string,
  tensors: Iterable<TensorValue> | AsyncIterable<TensorValue>,
  layout: HeaderInput[],
  options: WriteSafetensorsOptions,
): Promise<void> {
  const pub = await beginPublish(dirname(path), basename(path), { fsync: options.fsync ?? true });
  try {
    await streamSafetensorsInto(await pub.create(basename(path)), path, tensors, layout, options.metadata);
    await pub.commit();
  } catch (e) {
    await pub.abort();
    throw e;
  }
}

/**
 * One safetensors file streamed into `f` (a file of a publish, io/publish.ts): the header from
 * `layout`, then each tensor as it arrives, checked against the layout. Used by the single-file
 * writer and by the sharded writer, whose shards and index are published together.
 */
export async function streamSafetensorsInto(
  f: { write(data: Uint8Array): Promise<void> },
  path: string,
  tensors: Iterable<TensorValue> | AsyncIterable<TensorValue>,
  layout: HeaderInput[],
  metadata?: Record<string, string>,
): Promise<void> {
  const ordered = writerOrder(layout, path);
  await f.write(encodeHeader(ordered, metadata));
  let i = 0;
  for await (const t of tensors) {
    const want = ordered[i++];
    if (!want || want.name !== t.name || want.dtype !== t.dtype || want.shape.join(',') !== t.shape.join(',')) {
      throw new InvalidArgumentError('layout_mismatch', `${path}: tensor ${i} arrived as "${t.name}" ${t.dtype} [${t.shape.join(',')}] but the layout expects ${want ? `"${want.name}" ${want.dtype} [${want.shape.join(',')}]` : 'no more tensors'}`, {
        hint: 'pass tensors in writerOrder(layout) order, or omit layout', details: { path, name: t.name },
      });
    }
    checkTensorBytes(t);
    await f.write(t.data);
  }
  if (i !== ordered.length) {
    throw new InvalidArgumentError('layout_mismatch', `${path}: ${ordered.length} tensors in the layout but ${i} arrived`, {
      hint: 'pass every tensor of the layout', details: { path, expected: ordered.length, found: i },
    });
  }
}
