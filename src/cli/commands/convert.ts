/**
 * `graft convert SRC DST`: rewrite a checkpoint as a TF bundle, safetensors or tfjs weights,
 * names kept (or mapped with --rename) and dtypes kept bit for bit; --include/--exclude select
 * scopes on `/` boundaries. Calls `convertCheckpoint` and prints its report.
 */
import { readFile } from 'node:fs/promises';
import type { Command, ParsedArgs } from '../command.js';
import { boolFlag, listFlag, stringFlag } from '../command.js';
import { InvalidArgumentError, UsageError } from '../../errors.js';
import { exportLayersModel } from '../../layers/export.js';
import { initBackend } from '../../runtime/backend.js';
import { convertCheckpoint, type ConvertReport } from '../../formats/convert.js';
import { hasHdf5Signature, hasZipSignature, openKerasH5, readKerasArchive } from '../../formats/keras-h5/index.js';
import { parseSize } from '../../formats/safetensors/index.js';
import type { FormatName } from '../../formats/types.js';
import { formatInt, formatShape, formatTable } from '../render/table.js';
import { LAYOUT_FLAGS, LAYOUT_HELP, parseLayoutFlags } from '../layout-flags.js';

const HELP = `graft convert — convert between TF bundle, safetensors and tfjs weights

usage: graft convert SRC DST [--rename FROM=TO]… [--include SCOPE]… [--exclude SCOPE]…
                             [--to FORMAT] [--num-shards N] [--max-shard-size SIZE] [--overwrite] [--layout pytorch …] [--json]

SRC   any checkpoint Graft reads: TF prefix or directory, *.safetensors, tfjs model.json, Keras *.h5,
      PyTorch *.pt / *.pth / pytorch_model.bin (read without executing its pickle)
      Keras 3 *.weights.h5 / *.keras
DST   where to write; the format comes from the path unless --to says otherwise:
        *.safetensors → safetensors;  .../model.json → tfjs weights in that folder;
        *.weights.h5 / *.keras → Keras 3 weights / archive (needs a model config);
        anything else → a TF bundle prefix (DST.index + DST.data-00000-of-00001)

flags:
  --rename FROM=TO   write tensor FROM (or everything under scope FROM/) as TO (or under TO/);
                     repeatable, first match wins                             (default: none)
  --include SCOPE    convert only tensors under SCOPE ('/' boundaries; repeatable, comma lists)
                                                                              (default: all)
  --exclude SCOPE    leave out tensors under SCOPE (repeatable; alias --checkpoint_exclude_scopes)
                                                                              (default: none)
  --to FORMAT        tf-bundle | safetensors | tfjs | keras-h5                (default: from DST)
  --config FILE      model config for a Keras 3 DST (*.keras, *.weights.h5) or a tfjs model.json:
                     a .keras file (its config.json), a model.to_json() file, or a tfjs model.json
                     (its modelTopology)                        (default: the source's own, if any)
  --topology FILE    write a tfjs model folder tf.loadLayersModel opens (DST …/model.json): FILE is
                     a LayersModel .meta.json, a tfjs model.json, a Keras model.to_json() file, a
                     Keras 3 config.json, a .keras or a full-model Keras .h5; SRC is restored into
                     that model (names mapped and reported) and written under tfjs's weight names
                                                                              (default: none)
  --keras3-names tf-keras  from a Keras 3 source, write the TF-Keras names its paths map to
                     (dense/vars/0 → dense/kernel)                            (default: keras3 paths)
  --num-shards N     TF bundle DST: write N data files DST.data-0000i-of-0000N and one merged
                     index, as TF's sharded Saver does                        (default: 1)
  --max-shard-size SIZE  write Hugging Face sharded safetensors: shards of at most SIZE bytes
                     ("2GB", "500MB": decimal units as HF; or bytes) named model-00001-of-0000N
                     .safetensors + model.safetensors.index.json; DST a folder or *.safetensors
                     (one shard: a plain model.safetensors, no index)         (default: one file)
  --overwrite        replace an existing DST                                  (default: refuse)
${LAYOUT_HELP}
  --json             print the report {"source", "destination", "tensors", "written", …}

Dtypes are kept exactly. safetensors has no string or complex128 dtype (exclude such tensors, e.g.
--exclude _CHECKPOINTABLE_OBJECT_GRAPH); tfjs weights carry int64/float64/float16/… losslessly via
a "graftDtype" field and refuse values they cannot hold exactly. Each file is written atomically.

examples:
  graft convert runs/mnist/model.ckpt-20000 export/mnist.safetensors --exclude global_step
  graft convert export/mnist.safetensors web/mnist/model.json
  graft convert runs/cnn/ckpt-20 web/cnn/model.json --topology runs/cnn/ckpt-20.meta.json
  graft convert runs/big/model.ckpt-9000 export/big/ --max-shard-size 2GB
  graft convert pretrained/model.ckpt runs/new/init --rename InceptionV3=encoder --exclude InceptionV3/Logits
  graft convert pytorch_model.bin init.safetensors --layout pytorch --rename conv1=conv2d`;

const FORMATS: FormatName[] = ['tf-bundle', 'safetensors', 'tfjs', 'keras-h5'];

/** The model config in a --config file: a tfjs model.json's modelTopology, else the JSON itself. */
async function readConfigFlag(path: string): Promise<unknown> {
  let json: unknown;
  try {
    const bytes = await readFile(path);
    if (hasZipSignature(bytes)) return readKerasArchive(path, bytes).config; // a .keras: its config.json
    json = JSON.parse(new TextDecoder().decode(bytes));
  } catch (e) {
    throw new UsageError('bad_usage', `--config ${path}: not a readable JSON file (${e instanceof Error ? e.message : String(e)})`, { hint: 'pass a .keras config.json, a model.to_json() file or a tfjs model.json' });
  }
  const topo = (json as { modelTopology?: unknown }).modelTopology;
  return topo ?? json;
}

/** Parse `FROM=TO` rename flags. */
export function parseRenames(values: string[]): [string, string][] {
  return values.map((v) => {
    const eq = v.indexOf('=');
    if (eq <= 0 || eq === v.length - 1) {
      throw new UsageError('bad_usage', `--rename expects FROM=TO, got "${v}"`, { hint: 'e.g. --rename dense=head (scope) or --rename dense/kernel=head/kernel (one tensor)' });
    }
    return [v.slice(0, eq), v.slice(eq + 1)];
  });
}

/** `graft convert`. */
/** The topology in a --topology file: JSON (meta, model.json, Keras config), a .keras's config, a full-model .h5's model_config. */
async function readTopologyFlag(path: string): Promise<unknown> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    throw new InvalidArgumentError('bad_topology', `--topology ${path}: cannot read the file (${e instanceof Error ? e.message : String(e)})`, { hint: 'pass a .meta.json, a model.json, a Keras config JSON, a .keras or a full-model .h5', cause: e });
  }
  if (hasZipSignature(bytes)) return readKerasArchive(path, bytes).config;
  if (hasHdf5Signature(bytes.subarray(0, 2056))) {
    const r = await openKerasH5(path);
    try {
      const config = r.modelConfig ?? r.keras3?.config;
      if (config === undefined) throw new InvalidArgumentError('bad_topology', `--topology ${path}: this .h5 holds weights only (no model_config)`, { hint: 'pass the model.to_json() file, a .keras, or a model.json of the same model' });
      return config;
    } finally {
      await r.close();
    }
  }
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch (e) {
    throw new InvalidArgumentError('bad_topology', `--topology ${path}: not JSON, a .keras or an .h5 (${e instanceof Error ? e.message : String(e)})`, { hint: 'pass a .meta.json, a model.json, a Keras config JSON, a .keras or a full-model .h5', cause: e });
  }
}

export const convertCommand: Command<ConvertReport> = {
  name: 'convert',
  summary: 'convert between TF bundle, safetensors and tfjs weights',
  help: HELP,
  options: {
    rename: { type: 'string', multiple: true },
    include: { type: 'string', multiple: true },
    exclude: { type: 'string', multiple: true },
    to: { type: 'string' },
    'num-shards': { type: 'string' },
    config: { type: 'string' },
    'keras3-names': { type: 'string' },
    topology: { type: 'string' },
    'max-shard-size': { type: 'string' },
    overwrite: { type: 'boolean' },
    ...LAYOUT_FLAGS,
  },
  aliases: { checkpoint_exclude_scopes: 'exclude', 'exclude-scopes': 'exclude', 'include-scopes': 'include' },
  async run(args: ParsedArgs): Promise<ConvertReport> {
    const [src, dst, ...rest] = args.positionals;
    if (src === undefined || dst === undefined || rest.length > 0) {
      throw new UsageError('bad_usage', `graft convert takes SRC and DST, got ${args.positionals.length} argument(s)`, {
        hint: 'graft convert runs/mnist/model.ckpt-20000 export/mnist.safetensors',
      });
    }
    const to = stringFlag(args, 'to');
    if (to !== undefined && !FORMATS.includes(to as FormatName)) {
      throw new UsageError('bad_usage', `--to must be one of ${FORMATS.join(', ')}, got "${to}"`, { hint: 'or leave --to out and let the DST path decide' });
    }
    const shardsRaw = stringFlag(args, 'num-shards');
    const numShards = shardsRaw === undefined ? undefined : Number(shardsRaw);
    if (numShards !== undefined && (!/^\d+$/.test(shardsRaw!) || numShards < 1)) {
      throw new UsageError('bad_usage', `--num-shards must be a positive integer, got "${shardsRaw}"`, { hint: 'e.g. --num-shards 4' });
    }
    const renameRaw = ((args.values.rename as string[] | undefined) ?? []);
    const topologyPath = stringFlag(args, 'topology');
    if (topologyPath !== undefined) {
      const clash = ['rename', 'to', 'num-shards', 'config', 'keras3-names', 'max-shard-size'].filter((f) => args.values[f] !== undefined);
      if (clash.length > 0) throw new UsageError('bad_usage', `--topology does not combine with --${clash.join(', --')}`, { hint: 'the topology decides the names and the format (tfjs model.json)' });
      const include = listFlag(args, 'include');
      const exclude = listFlag(args, 'exclude');
      await initBackend();
      return exportLayersModel(src, dst, { topology: await readTopologyFlag(topologyPath), overwrite: boolFlag(args, 'overwrite'), ...(include.length ? { include } : {}), ...(exclude.length ? { exclude } : {}) });
    }
    const configPath = stringFlag(args, 'config');
    const k3 = stringFlag(args, 'keras3-names');
    if (k3 !== undefined && k3 !== 'keras3' && k3 !== 'tf-keras') {
      throw new UsageError('bad_usage', `--keras3-names must be keras3 or tf-keras, got "${k3}"`, { hint: 'e.g. --keras3-names tf-keras' });
    }
    const shardText = stringFlag(args, 'max-shard-size');
    let maxShardSize: number | undefined;
    try {
      maxShardSize = shardText === undefined ? undefined : parseSize(shardText);
    } catch (e) {
      throw new UsageError('bad_usage', (e as Error).message, { hint: 'e.g. --max-shard-size 2GB (2,000,000,000 bytes) or --max-shard-size 500MB', cause: e });
    }
    return convertCheckpoint(src, dst, {
      modelTopology: configPath === undefined ? undefined : await readConfigFlag(configPath),
      keras3Names: k3 as 'keras3' | 'tf-keras' | undefined,
      rename: parseRenames(renameRaw),
      include: listFlag(args, 'include'),
      exclude: listFlag(args, 'exclude'),
      format: to as FormatName | undefined,
      overwrite: boolFlag(args, 'overwrite'),
      numShards,
      maxShardSize,
      layout: parseLayoutFlags(args),
    });
  },
  render(r: ConvertReport): string {
    const out = [`converted ${formatInt(r.written)} tensor${r.written === 1 ? '' : 's'} (${formatInt(r.bytes)} bytes) from ${r.source.path} (${r.source.format}) to ${r.destination.path} (${r.destination.format})`];
    for (const n of r.notes) out.push(`note: ${n}`);
    const renamed = r.tensors.filter((t) => t.status === 'renamed');
    if (renamed.length > 0) out.push('', `renamed (${renamed.length}):`, formatTable(renamed.map((t) => [t.source, '→', t.name!]), { indent: '  ' }));
    const excluded = r.tensors.filter((t) => t.status === 'excluded');
    if (excluded.length > 0) out.push('', `excluded (${excluded.length}):`, formatTable(excluded.map((t) => [t.source, t.dtype, formatShape(t.shape)]), { indent: '  ' }));
    return out.join('\n');
  },
};
