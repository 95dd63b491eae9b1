/**
 * The allow-list: the only Python globals a `torch.save` state dict may name, and what Graft
 * builds for each instead of calling it. Mirrors the spirit of `_get_allowed_globals()` in a
 * public repository pytorch/pytorch, torch/_weights_only_unpickler.py (tensor rebuild functions
 * of torch/_utils.py, storage types, dtypes, `torch.Size`, `OrderedDict`, `_codecs.encode` for
 * protocol-2 bytes), narrowed to what a checkpoint of plain tensors needs: no sparse/quantized/
 * nested/meta tensors, no `Counter`, no NumPy.
 *
 * Tensor rebuild signatures (torch/_utils.py):
 *   _rebuild_tensor(storage, storage_offset, size, stride)
 *   _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
 *   _rebuild_tensor_v3(storage, storage_offset, size, stride, requires_grad, backward_hooks, dtype[, metadata])
 *   _rebuild_parameter(data, requires_grad, backward_hooks)
 *   _rebuild_parameter_with_state(data, requires_grad, backward_hooks, state)
 *   torch._tensor._rebuild_from_type_v2(func, new_type, args, state)
 * Sizes and strides are in elements; `storage_offset` too (of the tensor's dtype).
 */
import { FormatError } from '../../errors.js';
import type { DType } from '../types.js';
import { DTYPE_SIZE } from '../types.js';
import { isKind, kindOf, PyBytes, PyDict, PyGlobal, PyList, PyTuple, type PickleHooks, type PyValue } from './pickle.js';

/** A storage named by a persistent id: bytes at `key` in the archive (or the legacy data section). */
export interface TorchStorage {
  readonly kind: 'storage';
  /** Archive key (`data/<key>`) or legacy root key. */
  key: string;
  /** Element dtype; `uint8` for an UntypedStorage (bytes). */
  dtype: Exclude<DType, 'string'>;
  /** Elements the persistent id declares. */
  numel: number;
  /** Legacy views: element offset into the root storage. */
  elementOffset: number;
  /** The storage class name as pickled (FloatStorage, UntypedStorage, …). */
  storageType: string;
}

/** A tensor as rebuilt: a strided view of a storage. */
export interface TorchTensor {
  readonly kind: 'tensor';
  storage: TorchStorage;
  dtype: Exclude<DType, 'string'>;
  /** Element offset into the storage (of `dtype`). */
  offset: number;
  shape: number[];
  stride: number[];
}

interface Marker { readonly kind: 'dtype' | 'storage_type' | 'tensor_type'; dtype?: Exclude<DType, 'string'>; name: string }

/** torch.<Name>Storage → dtype (torch/storage.py `_dtype_to_storage_type_map`). */
export const STORAGE_DTYPES: Readonly<Record<string, Exclude<DType, 'string'>>> = {
  FloatStorage: 'float32', DoubleStorage: 'float64', HalfStorage: 'float16', BFloat16Storage: 'bfloat16',
  LongStorage: 'int64', IntStorage: 'int32', ShortStorage: 'int16', CharStorage: 'int8', ByteStorage: 'uint8',
  BoolStorage: 'bool', ComplexFloatStorage: 'complex64', ComplexDoubleStorage: 'complex128', UntypedStorage: 'uint8',
};

/** torch.<dtype> attribute names (torch/_tensor_str and torch.dtype repr names). */
const TORCH_DTYPES: Readonly<Record<string, Exclude<DType, 'string'>>> = {
  float32: 'float32', float: 'float32', float64: 'float64', double: 'float64', float16: 'float16', half: 'float16',
  bfloat16: 'bfloat16', int8: 'int8', int16: 'int16', short: 'int16', int32: 'int32', int: 'int32', int64: 'int64',
  long: 'int64', uint8: 'uint8', bool: 'bool', complex64: 'complex64', cfloat: 'complex64', complex128: 'complex128', cdouble: 'complex128',
  uint16: 'uint16', uint32: 'uint32', uint64: 'uint64',
};

const CALLABLES = new Set([
  'collections.OrderedDict', 'torch._utils._rebuild_tensor', 'torch._utils._rebuild_tensor_v2', 'torch._utils._rebuild_tensor_v3',
  'torch._utils._rebuild_parameter', 'torch._utils._rebuild_parameter_with_state', 'torch._tensor._rebuild_from_type_v2',
  'torch.Size', '_codecs.encode', 'builtins.set', 'builtins.frozenset', 'builtins.bytearray', 'torch.device',
]);

/** The globals Graft resolves, as `module.name` (for docs and error hints). */
export function allowedGlobals(): string[] {
  return [...CALLABLES, ...Object.keys(STORAGE_DTYPES).map((n) => `torch.${n}`), 'torch.storage.UntypedStorage',
    ...Object.keys(TORCH_DTYPES).map((n) => `torch.${n}`), 'torch.Tensor', 'torch.nn.parameter.Parameter'].sort();
}

const isNat = (v: PyValue): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/**
 * The hooks of a weights-only load; `persistentLoad` turns a storage persistent id into a
 * TorchStorage (format-specific, supplied by the reader).
 */
export function torchHooks(where: string, persistentLoad: (pid: PyValue) => PyValue): PickleHooks {
  const invalid = (msg: string): never => {
    throw new FormatError('pickle_invalid', `${where}: ${msg}`, {
      hint: 'the file is damaged or not a torch.save file; re-export it with torch.save(model.state_dict(), path)', details: { where },
    });
  };
  const storageOf = (v: PyValue): TorchStorage => (isKind(v, 'storage') ? (v as TorchStorage) : invalid(`a tensor rebuild got a ${kindOf(v)} instead of a storage`));
  const dims = (v: PyValue, what: string): number[] => {
    if (!(v instanceof PyTuple) || v.items.length > 64 || !v.items.every(isNat)) return invalid(`tensor ${what} is not a tuple of at most 64 non-negative integers`);
    return v.items as number[];
  };
  const tensor = (args: PyValue[], dtypeArg?: PyValue): TorchTensor => {
    if (args.length < 4) invalid(`a tensor rebuild has ${args.length} arguments, at least 4 expected`);
    const storage = storageOf(args[0]!);
    let dtype = storage.dtype;
    if (dtypeArg !== undefined) {
      const m = dtypeArg as Marker | null;
      if (m === null || typeof m !== 'object' || m.kind !== 'dtype') invalid(`_rebuild_tensor_v3 dtype is a ${kindOf(dtypeArg)}`);
      dtype = m!.dtype!;
    }
    const offset = args[1]!;
    if (!isNat(offset)) invalid('tensor storage_offset is not a non-negative integer');
    const shape = dims(args[2]!, 'size');
    const stride = dims(args[3]!, 'stride');
    if (shape.length !== stride.length) invalid(`tensor size has ${shape.length} dims but stride ${stride.length}`);
    // Highest element index touched, in elements of dtype, checked against the storage.
    let numel = 1, last = offset as number;
    for (let i = 0; i < shape.length; i++) { numel *= shape[i]!; last += (shape[i]! - 1) * stride[i]!; }
    const storageElems = (storage.numel * DTYPE_SIZE[storage.dtype]) / DTYPE_SIZE[dtype];
    if (!Number.isSafeInteger(numel) || (numel > 0 && (!Number.isSafeInteger(last) || last >= storageElems))) {
      invalid(`tensor of size [${shape}] stride [${stride}] offset ${offset} reaches past its storage "${storage.key}" of ${storageElems} ${dtype} elements`);
    }
    return { kind: 'tensor', storage, dtype, offset: offset as number, shape, stride };
  };
  const asTensor = (v: PyValue): TorchTensor => (isKind(v, 'tensor') ? (v as TorchTensor) : invalid(`a parameter wraps a ${kindOf(v)}, not a tensor`));

  const hooks: PickleHooks = {
    findGlobal(module, name) {
      const q = `${module}.${name}`;
      if (CALLABLES.has(q)) return new PyGlobal(module, name);
      if (module === 'torch' && STORAGE_DTYPES[name]) return { kind: 'storage_type', name, dtype: STORAGE_DTYPES[name] } as Marker;
      if (q === 'torch.storage.UntypedStorage') return { kind: 'storage_type', name: 'UntypedStorage', dtype: 'uint8' } as Marker;
      if (module === 'torch' && TORCH_DTYPES[name]) return { kind: 'dtype', name, dtype: TORCH_DTYPES[name] } as Marker;
      if (q === 'torch.Tensor' || q === 'torch.nn.parameter.Parameter') return { kind: 'tensor_type', name: q } as Marker;
      throw new FormatError('pickle_global_refused', `${where}: the pickle names the global ${q}, which a weights-only load refuses (nothing was executed)`, {
        hint: 'Graft reads state dicts of tensors only, as torch.load(weights_only=True); in Python, save model.state_dict() (or convert with safetensors) and read that',
        details: { where, global: q },
      });
    },
    call(fn, args) {
      if (!(fn instanceof PyGlobal)) return invalid(`the pickle calls a ${kindOf(fn)}, which is not a function`);
      switch (fn.qualname) {
        case 'collections.OrderedDict': {
          const d = new PyDict();
          const src = args[0];
          if (src instanceof PyList) for (const kv of src.items) if (kv instanceof PyTuple && kv.items.length === 2) d.set(kv.items[0]!, kv.items[1]!);
          return d;
        }
        case 'torch._utils._rebuild_tensor': case 'torch._utils._rebuild_tensor_v2': return tensor(args);
        case 'torch._utils._rebuild_tensor_v3': return tensor(args, args[6] ?? null);
        case 'torch._utils._rebuild_parameter': case 'torch._utils._rebuild_parameter_with_state': return asTensor(args[0] ?? null);
        case 'torch._tensor._rebuild_from_type_v2': {
          const [func, newType, inner] = args;
          if (!(inner instanceof PyTuple)) return invalid('_rebuild_from_type_v2 arguments are not a tuple');
          const t = newType as Marker | undefined;
          if (!t || typeof t !== 'object' || t.kind !== 'tensor_type') return invalid(`_rebuild_from_type_v2 makes a ${kindOf(newType ?? null)}, not a tensor`);
          return hooks.call(func ?? null, inner.items);
        }
        case 'torch.Size': return args[0] instanceof PyTuple ? args[0] : invalid('torch.Size of a non-tuple');
        case '_codecs.encode': {
          const s = args[0];
          if (typeof s !== 'string') return invalid('_codecs.encode of a non-string');
          const enc = typeof args[1] === 'string' ? args[1].toLowerCase() : 'utf-8';
          return new PyBytes(enc === 'latin1' || enc === 'latin-1' ? Uint8Array.from(s, (c) => c.charCodeAt(0) & 0xff) : new TextEncoder().encode(s));
        }
        case 'builtins.set': case 'builtins.frozenset': return new PyList(args[0] instanceof PyList || args[0] instanceof PyTuple ? [...args[0].items] : []);
        case 'builtins.bytearray': return args[0] instanceof PyBytes ? args[0] : new PyBytes(new Uint8Array(0));
        case 'torch.device': return typeof args[0] === 'string' ? args[0] : invalid('torch.device of a non-string');
        default: return invalid(`the pickle calls ${fn.qualname}`);
      }
    },
    build(obj, _state) {
      // BUILD is allowed on OrderedDict (state dict `_metadata`) and tensors (Parameter state), as torch does.
      if (obj instanceof PyDict || isKind(obj, 'tensor')) return obj;
      throw new FormatError('pickle_build_refused', `${where}: BUILD on a ${kindOf(obj)} (sets object state), which a weights-only load refuses`, {
        hint: 'Graft reads state dicts of tensors only; save model.state_dict() in Python and read that', details: { where },
      });
    },
    persistentLoad,
  };
  return hooks;
}

/** The storage persistent id ('storage', storage_type, key, location, numel[, view_metadata]). */
export function parseStoragePid(pid: PyValue, where: string): { storageType: string; dtype: Exclude<DType, 'string'>; key: string; numel: number; view: PyValue } {
  const bad = (msg: string): never => {
    throw new FormatError('pickle_invalid', `${where}: persistent id ${msg}`, { hint: 'the file is damaged or not a torch.save file', details: { where } });
  };
  if (!(pid instanceof PyTuple) || pid.items.length < 5 || pid.items[0] !== 'storage') return bad(`is a ${kindOf(pid)}, not ('storage', type, key, location, numel)`);
  const [, type, key, , numel, view] = pid.items;
  const t = type as Marker;
  if (t === null || typeof t !== 'object' || t.kind !== 'storage_type') return bad(`names a ${kindOf(type!)} as storage type`);
  if (typeof key !== 'string' && typeof key !== 'number') return bad('has a non-string key');
  if (!isNat(numel!)) return bad('has a non-integer size');
  return { storageType: t.name, dtype: t.dtype!, key: String(key), numel: numel as number, view: view ?? null };
}
