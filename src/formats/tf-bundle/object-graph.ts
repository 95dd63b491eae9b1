/**
 * The `_CHECKPOINTABLE_OBJECT_GRAPH` entry of TF2 object-based checkpoints: a DT_STRING scalar
 * holding a serialized TrackableObjectGraph (tensorflow/core/protobuf/trackable_object_graph.proto;
 * docs/design/TF-SEMANTICS.md §3.8):
 *
 *   TrackableObjectGraph { repeated TrackableObject nodes = 1; }
 *   TrackableObject { repeated ObjectReference children = 1;        // {int32 node_id = 1; string local_name = 2}
 *                     repeated SerializedTensor attributes = 2;     // {string name = 1; string full_name = 2; string checkpoint_key = 3}
 *                     repeated SlotVariableReference slot_variables = 3; … }
 *
 * A name-based TF1 Saver restoring such a file maps `attribute.full_name` (the variable's graph
 * name, e.g. `dense/kernel`) to `checkpoint_key` (saver.py `object_graph_key_mapping`); Graft
 * offers the same mapping as `BundleReader.objectGraphPaths` (key → full_name).
 */
import { ProtoReader, WIRE_LEN } from '../proto/wire.js';

/** The bundle key of the serialized object graph (trackable_utils `OBJECT_GRAPH_PROTO_KEY`). */
export const OBJECT_GRAPH_PROTO_KEY = '_CHECKPOINTABLE_OBJECT_GRAPH';

/** One attribute of one node. */
export interface SerializedTensorRef {
  name: string;
  fullName: string;
  checkpointKey: string;
}

/** Map checkpoint key → full_name for every attribute with a non-empty full_name. */
export function objectGraphPaths(serialized: Uint8Array, file: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const a of objectGraphAttributes(serialized, file)) {
    if (a.fullName !== '' && a.checkpointKey !== '') out.set(a.checkpointKey, a.fullName);
  }
  return out;
}

/** Every SerializedTensor of every node, in node order. */
export function objectGraphAttributes(serialized: Uint8Array, file: string): SerializedTensorRef[] {
  const r = new ProtoReader(serialized, `${file}: ${OBJECT_GRAPH_PROTO_KEY} TrackableObjectGraph`);
  const out: SerializedTensorRef[] = [];
  while (!r.done) {
    const k = r.key();
    if (k.field !== 1 || k.wireType !== WIRE_LEN) {
      r.skip(k.wireType);
      continue;
    }
    const node = r.message('nodes');
    while (!node.done) {
      const nk = node.key();
      if (nk.field !== 2 || nk.wireType !== WIRE_LEN) {
        node.skip(nk.wireType);
        continue;
      }
      const a = node.message('attributes');
      const ref: SerializedTensorRef = { name: '', fullName: '', checkpointKey: '' };
      while (!a.done) {
        const ak = a.key();
        if (ak.wireType === WIRE_LEN && ak.field === 1) ref.name = a.string();
        else if (ak.wireType === WIRE_LEN && ak.field === 2) ref.fullName = a.string();
        else if (ak.wireType === WIRE_LEN && ak.field === 3) ref.checkpointKey = a.string();
        else a.skip(ak.wireType);
      }
      out.push(ref);
    }
  }
  return out;
}
