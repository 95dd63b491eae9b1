/** TensorFlow tensor bundles (V2 checkpoints): reader, streaming atomic writer, file naming. */
export { openBundle } from './open-bundle.js';
export { writeBundle } from './writer.js';
export { isBundlePrefix, metaFilename, dataFilename } from './naming.js';
export { OBJECT_GRAPH_PROTO_KEY, objectGraphPaths, objectGraphAttributes } from './object-graph.js';
export { TF_DTYPE_ENUM, dtypeFromEnum, tfDtypeName } from './dtypes.js';
export { encodeTensorNameSlice } from './slice-key.js';
export { readTable, TABLE_MAGIC_NUMBER } from './table.js';
export { TableBuilder } from './table-builder.js';
export { decodeBundleEntry, encodeBundleEntry, decodeBundleHeader, encodeBundleHeader } from './bundle-proto.js';
export type { BundleEntry, BundleHeader, SliceExtent } from './bundle-proto.js';
export type { BundleReader, WriteBundleOptions, WriteBundleReport } from './types.js';
export type { BundleErrorCode } from './errors.js';
export type { TableEntry } from './table.js';
export type { SerializedTensorRef } from './object-graph.js';
