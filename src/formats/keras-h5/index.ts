/** Keras HDF5 weights (.h5, Keras 3 .weights.h5) and Keras 3 .keras archives, read through h5wasm. */
export { openKerasH5, hasHdf5Signature, hasZipSignature, kerasWeightName, keras3NameMap, type KerasH5Reader, type Keras3Info, type OpenKerasH5Options } from './reader.js';
export { openKerasArchive, readKerasArchive, type KerasArchive } from './keras-zip.js';
export { writeKeras3Weights, writeKerasArchive, planKeras3Weights, KERAS3_LAYOUT_VERSION, type Keras3WriteOptions, type Keras3Plan } from './keras3-writer.js';
export { toKeras3Config, isKeras3Config } from './keras3-config.js';
export { mapKeras3Names, keras3ConfigLayers, keras3SnakeCase, KERAS3_VARIABLE_ORDER, type Keras3Variable, type Keras3NameEntry, type Keras3NameOptions, type Keras3NameSource } from './keras3-names.js';
