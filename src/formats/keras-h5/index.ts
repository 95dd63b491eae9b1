/** Keras HDF5 weights (.h5), read through h5wasm. */
export { openKerasH5, hasHdf5Signature } from './reader.js';
