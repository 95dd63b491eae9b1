/**
 * From the unpickled object to checkpoint names: a state dict is a (nested) dict whose leaves
 * are tensors. Names join the keys with `.`, as `nn.Module.state_dict()` does for submodules
 * (`features.0.weight`); a nested training checkpoint `{"model": {...}, "epoch": 3}` gives
 * `model.features.0.weight`. List/tuple items are named by index (`torch.save([x, y])` → `0`,
 * `1`); a bare tensor (`torch.save(x)`) is named `tensor`.
 *
 * Non-tensor leaves (epoch, hyper-parameters) are not tensors: the simple ones (numbers,
 * strings, booleans) are reported in the reader's metadata as `value:<name>`, the rest counted.
 * Walking is depth-capped and cycle-safe (a pickle can make a list contain itself).
 */
import { FormatError } from '../../errors.js';
import type { TorchTensor } from './globals.js';
import { PyDict, PyList, PyTuple, type PyValue } from './pickle.js';

/** Nesting deeper than this is not a state dict (torch modules nest a handful of levels; keys are flat). */
const MAX_DEPTH = 64;
/** Values visited in all: a pickle can share one container many times (memo), so a DAG of depth 64 would name 2^64 leaves; a state dict with optimizer state names ~10^5. */
const MAX_VISITS = 1_000_000;
/** Simple non-tensor values copied into metadata. */
const MAX_VALUES = 64;

/** The tensors of a state dict, by name, plus the non-tensor values found. */
export interface FlatStateDict {
  tensors: Map<string, TorchTensor>;
  values: Record<string, string>;
  /** Non-tensor leaves not copied into `values` (containers of non-tensors, bytes, …). */
  otherLeaves: number;
}

/** Flatten the unpickled root object (see the module comment for the naming rule). */
export function flattenStateDict(root: PyValue, where: string): FlatStateDict {
  const out: FlatStateDict = { tensors: new Map(), values: {}, otherLeaves: 0 };
  const onPath = new Set<object>();
  const join = (prefix: string, key: string) => (prefix === '' ? key : `${prefix}.${key}`);
  let visits = 0;
  const walk = (v: PyValue, name: string, depth: number): void => {
    if (++visits > MAX_VISITS) {
      throw new FormatError('pickle_too_large', `${where}: the object names more than ${MAX_VISITS.toLocaleString('en-US')} values`, {
        hint: 'this is not a state dict; save model.state_dict() in Python and read that', details: { where },
      });
    }
    if (v !== null && typeof v === 'object' && 'kind' in v && v.kind === 'tensor') {
      const key = name === '' ? 'tensor' : name;
      if (out.tensors.has(key)) {
        throw new FormatError('duplicate_tensor_name', `${where}: two tensors are both named "${key}"`, {
          hint: 'the state dict has keys that collide once nested keys are joined with "."; re-save it with flat keys', details: { where, name: key },
        });
      }
      out.tensors.set(key, v as TorchTensor);
      return;
    }
    const container = v instanceof PyDict || v instanceof PyList || v instanceof PyTuple;
    if (!container) {
      if (name !== '' && (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean' || typeof v === 'bigint') && Object.keys(out.values).length < MAX_VALUES) {
        out.values[`value:${name}`] = String(v).slice(0, 200);
      } else out.otherLeaves++;
      return;
    }
    if (depth >= MAX_DEPTH) {
      throw new FormatError('pickle_too_deep', `${where}: containers nest deeper than ${MAX_DEPTH} levels at "${name}"`, {
        hint: 'this is not a state dict; save model.state_dict() in Python and read that', details: { where, name },
      });
    }
    if (onPath.has(v)) { out.otherLeaves++; return; } // a cycle
    onPath.add(v);
    if (v instanceof PyDict) {
      for (let i = 0; i < v.keys.length; i++) {
        const k = v.keys[i];
        if (typeof k === 'string' || typeof k === 'number' || typeof k === 'bigint' || typeof k === 'boolean') walk(v.values[i]!, join(name, String(k)), depth + 1);
        else out.otherLeaves++;
      }
    } else {
      v.items.forEach((item, i) => walk(item, join(name, String(i)), depth + 1));
    }
    onPath.delete(v);
  };
  walk(root, '', 0);
  return out;
}
