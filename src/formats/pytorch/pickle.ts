/**
 * A restricted pickle machine: it reads the opcodes a `torch.save` state dict uses and builds
 * plain values; it never imports, calls or constructs anything by name. Globals are resolved
 * through a caller-supplied allow-list (globals.ts), everything else is refused with FormatError
 * `pickle_global_refused` naming the global.
 *
 * Spec: CPython Lib/pickle.py (opcode table, protocols 0-5) and pickletools.py; the policy is
 * that of a public repository pytorch/pytorch, torch/_weights_only_unpickler.py (`Unpickler.load`:
 * GLOBAL only from an allow-list, BUILD only on tensors / OrderedDict, APPEND only on lists,
 * SETITEM only on dicts, no INST/OBJ/EXT*, persistent ids handed to torch's loader).
 *
 * Bounds (hostile input): every length is checked against the bytes left; memo and stack
 * sizes, MARK depth, text-line length and integer size are capped (CAPS below); the machine is
 * iterative, so nesting depth cannot overflow the JS stack. Memory is O(input): each opcode
 * creates at most one small value.
 */
import { FormatError } from '../../errors.js';

/** A Python tuple (kept apart from lists so `torch.Size` / persistent ids read as in Python). */
export class PyTuple { constructor(readonly items: PyValue[]) {} }
/** A Python list or set. */
export class PyList { constructor(readonly items: PyValue[]) {} }
/** A Python dict / OrderedDict: keys and values in insertion order. */
export class PyDict {
  readonly keys: PyValue[] = [];
  readonly values: PyValue[] = [];
  /** Index of primitive keys, so a repeated key replaces its value as in Python (O(1) per item). */
  private readonly index = new Map<PyValue, number>();
  set(k: PyValue, v: PyValue): void {
    const primitive = k === null || typeof k !== 'object';
    const i = primitive ? this.index.get(k) : undefined;
    if (i !== undefined) { this.values[i] = v; return; }
    if (primitive) this.index.set(k, this.keys.length);
    this.keys.push(k); this.values.push(v);
  }
}
/** A reference to an allowed global (`module.name`), resolved by the allow-list. */
export class PyGlobal { constructor(readonly module: string, readonly name: string) {} get qualname(): string { return `${this.module}.${this.name}`; } }
/** Python bytes. */
export class PyBytes { constructor(readonly data: Uint8Array) {} }

/** Any value the machine builds; `object` covers values made by the allow-list (tensors, storages). */
export type PyValue = null | boolean | number | bigint | string | PyTuple | PyList | PyDict | PyGlobal | PyBytes | { readonly kind: string };

/** What the format layer supplies: the allow-list and the persistent-id loader. */
export interface PickleHooks {
  /** GLOBAL / STACK_GLOBAL: the value for `module.name`, or throw `pickle_global_refused`. */
  findGlobal(module: string, name: string): PyValue;
  /** REDUCE / NEWOBJ: call an allowed global with its arguments. */
  call(fn: PyValue, args: PyValue[]): PyValue;
  /** BUILD on an object (state applied); return the object. */
  build(obj: PyValue, state: PyValue): PyValue;
  /** BINPERSID / PERSID: torch's storage reference. */
  persistentLoad(pid: PyValue): PyValue;
}

/** Caps (values far above what any state dict pickle needs; they only bound hostile input). */
export const CAPS = {
  /** Items on the stack (a state dict's data.pkl keeps a few dozen at a time). */
  stack: 1_000_000,
  /** Memo entries (one per PUT/MEMOIZE). */
  memo: 4_000_000,
  /** Open MARKs (nesting of tuples/lists being built). */
  marks: 10_000,
  /** Text opcodes (GLOBAL, INT, FLOAT, …): a line longer than this is not a name or number. */
  line: 4096,
  /** LONG1/LONG4 integer bytes (torch writes ≤ 10 for the legacy magic number). */
  longBytes: 64,
  /** Opcodes executed per pickle (bounds time with the size of the input). */
  ops: 200_000_000,
} as const;

const OP = {
  MARK: 0x28, STOP: 0x2e, POP: 0x30, POP_MARK: 0x31, DUP: 0x32, FLOAT: 0x46, INT: 0x49, BININT: 0x4a,
  BININT1: 0x4b, LONG: 0x4c, BININT2: 0x4d, NONE: 0x4e, PERSID: 0x50, BINPERSID: 0x51, REDUCE: 0x52,
  STRING: 0x53, BINSTRING: 0x54, SHORT_BINSTRING: 0x55, UNICODE: 0x56, BINUNICODE: 0x58, APPEND: 0x61,
  BUILD: 0x62, GLOBAL: 0x63, DICT: 0x64, EMPTY_DICT: 0x7d, APPENDS: 0x65, GET: 0x67, BINGET: 0x68,
  INST: 0x69, LONG_BINGET: 0x6a, LIST: 0x6c, EMPTY_LIST: 0x5d, OBJ: 0x6f, PUT: 0x70, BINPUT: 0x71,
  LONG_BINPUT: 0x72, SETITEM: 0x73, TUPLE: 0x74, EMPTY_TUPLE: 0x29, SETITEMS: 0x75, BINFLOAT: 0x47,
  PROTO: 0x80, NEWOBJ: 0x81, EXT1: 0x82, EXT2: 0x83, EXT4: 0x84, TUPLE1: 0x85, TUPLE2: 0x86, TUPLE3: 0x87,
  NEWTRUE: 0x88, NEWFALSE: 0x89, LONG1: 0x8a, LONG4: 0x8b, BINBYTES: 0x42, SHORT_BINBYTES: 0x43,
  SHORT_BINUNICODE: 0x8c, BINUNICODE8: 0x8d, BINBYTES8: 0x8e, EMPTY_SET: 0x8f, ADDITEMS: 0x90,
  FROZENSET: 0x91, NEWOBJ_EX: 0x92, STACK_GLOBAL: 0x93, MEMOIZE: 0x94, FRAME: 0x95, BYTEARRAY8: 0x96,
  NEXT_BUFFER: 0x97, READONLY_BUFFER: 0x98,
} as const;

const NAMES: Record<number, string> = Object.fromEntries(Object.entries(OP).map(([k, v]) => [v, k]));

const utf8 = new TextDecoder('utf-8', { fatal: true });
const latin1 = new TextDecoder('latin1');

/** Result of one pickle: its value and the offset just after its STOP. */
export interface PickleResult { value: PyValue; end: number }

/**
 * Run one pickle starting at `start` in `bytes`.
 * @throws FormatError `pickle_truncated`, `pickle_opcode_refused`, `pickle_global_refused`,
 *   `pickle_invalid`, `pickle_too_large`.
 */
export function unpickle(bytes: Uint8Array, hooks: PickleHooks, where: string, start = 0): PickleResult {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = start;
  let stack: PyValue[] = [];
  const marks: PyValue[][] = [];
  const memo = new Map<number, PyValue>();

  const fail = (code: string, msg: string, hint: string): never => {
    throw new FormatError(code, `${where}: ${msg} (pickle offset ${pos})`, { hint, details: { where, offset: pos } });
  };
  const invalid = (msg: string): never => fail('pickle_invalid', msg, 'the file is damaged or not a torch.save file; re-export it with torch.save(model.state_dict(), path)');
  const need = (n: number | bigint): number => {
    if (typeof n === 'bigint') { if (n > BigInt(bytes.length - pos)) n = Number.MAX_SAFE_INTEGER; else n = Number(n); }
    if (n < 0 || n > bytes.length - pos) {
      fail('pickle_truncated', `pickle needs ${n} more bytes but ${bytes.length - pos} are left`, 'the file is truncated or damaged; re-download or re-export it');
    }
    const at = pos;
    pos += n;
    return at;
  };
  const u8 = () => bytes[need(1)]!;
  const u16 = () => view.getUint16(need(2), true);
  const u32 = () => view.getUint32(need(4), true);
  const u64 = () => view.getBigUint64(need(8), true);
  const line = (): string => {
    const endAt = bytes.indexOf(0x0a, pos);
    if (endAt < 0 || endAt - pos > CAPS.line) invalid(`a text opcode has no end of line within ${CAPS.line} bytes`);
    const s = latin1.decode(bytes.subarray(pos, endAt));
    pos = endAt + 1;
    return s;
  };
  const push = (v: PyValue) => {
    if (stack.length >= CAPS.stack) fail('pickle_too_large', `more than ${CAPS.stack} items on the pickle stack`, 'this is not a state dict pickle Graft reads');
    stack.push(v);
  };
  const pop = (): PyValue => {
    if (stack.length === 0) invalid('pop from an empty stack');
    return stack.pop()!;
  };
  const top = (): PyValue => (stack.length === 0 ? invalid('the stack is empty') : stack[stack.length - 1]!);
  const popMark = (): PyValue[] => {
    const m = marks.pop();
    if (m === undefined) invalid('no MARK for a MARK-terminated opcode');
    const items = stack;
    stack = m!;
    return items;
  };
  const text = (b: Uint8Array): string => {
    try { return utf8.decode(b); } catch { return latin1.decode(b); }
  };
  const str = (n: number | bigint): string => { const at = need(n); return text(bytes.subarray(at, pos)); };
  const byt = (n: number | bigint): PyBytes => { const at = need(n); return new PyBytes(bytes.slice(at, pos)); };
  const put = (i: number) => {
    if (memo.size >= CAPS.memo && !memo.has(i)) fail('pickle_too_large', `more than ${CAPS.memo} memo entries`, 'this is not a state dict pickle Graft reads');
    memo.set(i, top());
  };
  const get = (i: number): PyValue => {
    if (!memo.has(i)) invalid(`memo key ${i} was never stored`);
    return memo.get(i)!;
  };
  const long = (n: number): bigint | number => {
    if (n > CAPS.longBytes) fail('pickle_too_large', `a ${n}-byte integer`, 'state dicts hold no integers this large');
    const at = need(n);
    let v = 0n;
    for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[at + i]!);
    if (n > 0 && bytes[at + n - 1]! & 0x80) v -= 1n << BigInt(8 * n);
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  };
  const textInt = (s: string): number | bigint | boolean => {
    const t = s.endsWith('L') ? s.slice(0, -1) : s;
    if (t === '00') return false;
    if (t === '01') return true;
    if (!/^[+-]?\d{1,40}$/.test(t)) invalid(`"${s.slice(0, 40)}" is not an integer`);
    const v = BigInt(t);
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  };
  const asDict = (v: PyValue, op: string): PyDict => (v instanceof PyDict ? v : invalid(`${op} on a ${kindOf(v)}, not a dict`));
  const asList = (v: PyValue, op: string): PyList => (v instanceof PyList ? v : invalid(`${op} on a ${kindOf(v)}, not a list`));

  for (let ops = 0; ; ops++) {
    if (ops > CAPS.ops) fail('pickle_too_large', `more than ${CAPS.ops} opcodes`, 'this is not a state dict pickle Graft reads');
    const op = u8();
    switch (op) {
      case OP.PROTO: { const p = u8(); if (p > 5) invalid(`pickle protocol ${p} (Python knows 0-5)`); break; }
      case OP.FRAME: u64(); break; // frames are a read-ahead hint; the bytes follow inline
      case OP.STOP: {
        if (marks.length !== 0 || stack.length !== 1) invalid(`STOP with ${stack.length} items on the stack and ${marks.length} open MARKs`);
        return { value: stack[0]!, end: pos };
      }
      case OP.MARK:
        if (marks.length >= CAPS.marks) fail('pickle_too_large', `more than ${CAPS.marks} nested MARKs`, 'this is not a state dict pickle Graft reads');
        marks.push(stack); stack = []; break;
      case OP.POP: if (stack.length === 0) popMark(); else pop(); break;
      case OP.POP_MARK: popMark(); break;
      case OP.DUP: push(top()); break;
      case OP.NONE: push(null); break;
      case OP.NEWTRUE: push(true); break;
      case OP.NEWFALSE: push(false); break;
      case OP.BININT: push(view.getInt32(need(4), true)); break;
      case OP.BININT1: push(u8()); break;
      case OP.BININT2: push(u16()); break;
      case OP.LONG1: push(long(u8())); break;
      case OP.LONG4: { const n = view.getInt32(need(4), true); if (n < 0) invalid('negative LONG4 length'); push(long(n)); break; }
      case OP.INT: push(textInt(line())); break;
      case OP.LONG: { const v = textInt(line()); push(typeof v === 'boolean' ? Number(v) : v); break; }
      case OP.BINFLOAT: push(view.getFloat64(need(8), false)); break;
      case OP.FLOAT: { const s = line(); const v = Number(s); if (s.trim() === '' || (Number.isNaN(v) && !/nan/i.test(s))) invalid(`"${s.slice(0, 40)}" is not a float`); push(v); break; }
      case OP.BINUNICODE: push(str(u32())); break;
      case OP.SHORT_BINUNICODE: push(str(u8())); break;
      case OP.BINUNICODE8: push(str(u64())); break;
      case OP.BINSTRING: { const n = view.getInt32(need(4), true); if (n < 0) invalid('negative BINSTRING length'); push(str(n)); break; }
      case OP.SHORT_BINSTRING: push(str(u8())); break;
      case OP.UNICODE: push(line()); break;
      case OP.STRING: { const s = line(); push(s.length >= 2 && (s[0] === "'" || s[0] === '"') ? s.slice(1, -1) : invalid('STRING without quotes')); break; }
      case OP.BINBYTES: push(byt(u32())); break;
      case OP.SHORT_BINBYTES: push(byt(u8())); break;
      case OP.BINBYTES8: push(byt(u64())); break;
      case OP.BYTEARRAY8: push(byt(u64())); break;
      case OP.EMPTY_TUPLE: push(new PyTuple([])); break;
      case OP.TUPLE1: { const a = pop(); push(new PyTuple([a])); break; }
      case OP.TUPLE2: { const b = pop(); const a = pop(); push(new PyTuple([a, b])); break; }
      case OP.TUPLE3: { const c = pop(); const b = pop(); const a = pop(); push(new PyTuple([a, b, c])); break; }
      case OP.TUPLE: push(new PyTuple(popMark())); break;
      case OP.EMPTY_LIST: push(new PyList([])); break;
      case OP.LIST: push(new PyList(popMark())); break;
      case OP.EMPTY_SET: push(new PyList([])); break;
      case OP.FROZENSET: push(new PyList(popMark())); break;
      case OP.APPEND: { const v = pop(); asList(top(), 'APPEND').items.push(v); break; }
      case OP.APPENDS: case OP.ADDITEMS: { const items = popMark(); const l = asList(top(), NAMES[op]!); for (const v of items) l.items.push(v); break; }
      case OP.EMPTY_DICT: push(new PyDict()); break;
      case OP.DICT: {
        const items = popMark();
        if (items.length % 2) invalid('DICT with an odd number of items');
        const d = new PyDict();
        for (let i = 0; i < items.length; i += 2) d.set(items[i]!, items[i + 1]!);
        push(d); break;
      }
      case OP.SETITEM: { const v = pop(); const k = pop(); asDict(top(), 'SETITEM').set(k, v); break; }
      case OP.SETITEMS: {
        const items = popMark();
        if (items.length % 2) invalid('SETITEMS with an odd number of items');
        const d = asDict(top(), 'SETITEMS');
        for (let i = 0; i < items.length; i += 2) d.set(items[i]!, items[i + 1]!);
        break;
      }
      case OP.PUT: { const s = line(); if (!/^\d{1,10}$/.test(s)) invalid('PUT without a number'); put(Number(s)); break; }
      case OP.BINPUT: put(u8()); break;
      case OP.LONG_BINPUT: put(u32()); break;
      case OP.MEMOIZE: put(memo.size); break;
      case OP.GET: { const s = line(); if (!/^\d{1,10}$/.test(s)) invalid('GET without a number'); push(get(Number(s))); break; }
      case OP.BINGET: push(get(u8())); break;
      case OP.LONG_BINGET: push(get(u32())); break;
      case OP.GLOBAL: { const module = line(); const name = line(); push(hooks.findGlobal(module, name)); break; }
      case OP.STACK_GLOBAL: {
        const name = pop(); const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') invalid('STACK_GLOBAL needs two strings');
        push(hooks.findGlobal(module as string, name as string)); break;
      }
      case OP.REDUCE: {
        const args = pop(); const fn = pop();
        if (!(args instanceof PyTuple)) invalid(`REDUCE arguments are a ${kindOf(args)}, not a tuple`);
        push(hooks.call(fn, (args as PyTuple).items)); break;
      }
      case OP.NEWOBJ: {
        const args = pop(); const cls = pop();
        if (!(args instanceof PyTuple)) invalid(`NEWOBJ arguments are a ${kindOf(args)}, not a tuple`);
        push(hooks.call(cls, (args as PyTuple).items)); break;
      }
      case OP.BUILD: { const state = pop(); const obj = pop(); push(hooks.build(obj, state)); break; }
      case OP.BINPERSID: push(hooks.persistentLoad(pop())); break;
      case OP.PERSID: push(hooks.persistentLoad(line())); break;
      default: {
        const name = NAMES[op];
        if (name) {
          fail('pickle_opcode_refused', `opcode ${name} (0x${op.toString(16)}) is not allowed in a weights-only load`,
            'the file builds objects other than tensors and containers; load it in Python with torch.load(weights_only=True) to see what it holds, and save only the state dict');
        }
        invalid(`unknown opcode 0x${op.toString(16)}`);
      }
    }
  }
}

/** A short word for a value's kind, for messages. */
export function kindOf(v: PyValue): string {
  if (v === null) return 'None';
  if (typeof v !== 'object') return typeof v;
  if (v instanceof PyTuple) return 'tuple';
  if (v instanceof PyList) return 'list';
  if (v instanceof PyDict) return 'dict';
  if (v instanceof PyGlobal) return `global ${v.qualname}`;
  if (v instanceof PyBytes) return 'bytes';
  return v.kind;
}

/** Whether `v` is a value made by the allow-list with that `kind` (tensor, storage, dtype, …). */
export function isKind(v: PyValue | undefined, kind: string): boolean {
  return v !== null && v !== undefined && typeof v === 'object' && 'kind' in v && (v as { kind: string }).kind === kind;
}
