/** Types of the `snappyjs` package (pure-JS Snappy raw format; no types of its own). */
declare module 'snappyjs' {
  /** Decompress a raw Snappy stream; throws if the declared length exceeds `maxLength`. */
  export function uncompress<T extends Uint8Array | ArrayBuffer>(compressed: T, maxLength?: number): T;
  /** Compress into a raw Snappy stream. */
  export function compress<T extends Uint8Array | ArrayBuffer>(uncompressed: T): T;
}
