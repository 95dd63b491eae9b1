/**
 * The Keras 3 weights layout (`keras/src/saving/saving_lib.py`, `H5IOStore` / `H5Entry`), as
 * `model.save_weights("m.weights.h5")` and the `model.weights.h5` inside a `.keras` hold it:
 *
 *   /vars/                          the model's own variables (usually empty); attr name = model name
 *   /layers/<path>/vars/<i>         a layer's variables, <i> = 0, 1, … in the layer's variable order;
 *                                   <path> nests for sublayers: layers/functional/layers/dense,
 *                                   layers/lstm/cell; Keras ≥ 3.6: attr name = layer name on vars/
 *   /optimizer/vars/<i>             optimizer variables: 0 = iterations (int64), 1 = learning rate, …
 *   /<other attribute>/…/vars/<i>   any other tracked saveable (metrics, loss, seed generators)
 *
 * No file-level attributes. Keras 2.13–2.15's first "keras v3" files used
 * `_layer_checkpoint_dependencies/` instead of `layers/` (Keras 3 `H5IOStore.get` accepts both).
 *
 * Names reported: the group path with the leading `layers/` (or `_layer_checkpoint_dependencies/`)
 * taken off — `dense/vars/0`, `functional/layers/dense/vars/0`, `optimizer/vars/0`, `vars/0` —
 * unless that would collide with another entry's path, then the full path. The walk is bounded
 * (depth, entries) so a hostile file with deep or looping links cannot run away.
 */
import { FormatError } from '../../errors.js';
import { strAttr, type H5, type H5Group } from './reader.js';

/** Nesting depth Keras never comes near (a model in a model in a model … 64 deep). */
const MAX_DEPTH = 64;
/** Datasets + groups visited; far above any real model, low enough to stay fast. */
const MAX_ENTRIES = 1_000_000;

const LAYER_ROOTS = ['layers', '_layer_checkpoint_dependencies'];

/** Whether the top-level keys of an HDF5 file look like the Keras 3 layout. */
export function isKeras3Layout(topKeys: readonly string[]): boolean {
  return topKeys.some((k) => k === 'vars' || LAYER_ROOTS.includes(k)) && !topKeys.includes('model_weights');
}

/** One Keras 3 variable found in the file. */
export interface Keras3StoredVariable {
  /** The name the reader reports (`dense/vars/0`). */
  name: string;
  /** The Keras 3 path (`layers/dense/vars/0`; 2.13 roots normalised to `layers/`). */
  path: string;
  /** The HDF5 path of the dataset, without the leading `/`. */
  datasetPath: string;
}

/** Walk every dataset of a Keras 3 weights file. */
export function walkKeras3(file: H5Group, h5: H5['default'], label: string): { variables: Keras3StoredVariable[]; groupNames: Record<string, string> } {
  const found: { datasetPath: string; path: string }[] = [];
  const groupNames: Record<string, string> = {};
  let visited = 0;
  const visit = (group: H5Group, path: string, depth: number): void => {
    if (depth > MAX_DEPTH) {
      throw new FormatError('hdf5_too_deep', `${label}: groups nest deeper than ${MAX_DEPTH} levels at /${path}`, {
        hint: 'the file is damaged or not written by Keras (looping links?); re-save it from Keras', details: { path: label, field: path },
      });
    }
    for (const key of group.keys()) {
      if (++visited > MAX_ENTRIES) {
        throw new FormatError('hdf5_too_many_entries', `${label}: more than ${MAX_ENTRIES} groups and datasets`, {
          hint: 'the file is damaged or not a Keras weights file', details: { path: label },
        });
      }
      const childPath = path === '' ? key : `${path}/${key}`;
      const child = group.get(key);
      if (child instanceof h5.Dataset) found.push({ datasetPath: childPath, path: normalise(childPath) });
      else if (child instanceof h5.Group) {
        if (key === 'vars') {
          const n = strAttr(child, 'name')?.[0];
          if (n !== undefined) groupNames[normalise(path)] = n;
        }
        visit(child, childPath, depth + 1);
      }
    }
  };
  visit(file, '', 0);
  const all = new Set(found.map((f) => f.path));
  const variables = found.map((f): Keras3StoredVariable => {
    const root = LAYER_ROOTS.find((r) => f.datasetPath.startsWith(`${r}/`));
    const short = root ? f.datasetPath.slice(root.length + 1) : f.datasetPath;
    return { name: root && all.has(short) ? f.path : short, path: f.path, datasetPath: f.datasetPath };
  });
  return { variables, groupNames };
}

function normalise(path: string): string {
  return path.startsWith('_layer_checkpoint_dependencies/') || path === '_layer_checkpoint_dependencies'
    ? `layers${path.slice('_layer_checkpoint_dependencies'.length)}` : path;
}
