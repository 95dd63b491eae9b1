/**
 * `--layout pytorch [--depthwise MODULE[:M]]… [--lstm keras|tf1] [--forget-bias F]`: the layout
 * rules (formats/layout) as command-line flags, shared by convert, restore-plan and inspect.
 */
import type { ParsedArgs } from './command.js';
import { listFlag, stringFlag } from './command.js';
import { UsageError } from '../errors.js';
import type { LayoutOptions } from '../formats/layout/index.js';

/** The flag definitions to spread into a command's `options`. */
export const LAYOUT_FLAGS = {
  layout: { type: 'string' },
  depthwise: { type: 'string', multiple: true },
  lstm: { type: 'string' },
  'forget-bias': { type: 'string' },
} as const;

/** Help lines for the layout flags. */
export const LAYOUT_HELP = `  --layout pytorch   read a PyTorch state dict under Keras names and layouts: Linear weight
                     transposed → kernel, Conv OIHW → HWIO, BatchNorm weight/bias/running_* →
                     gamma/beta/moving_*, LSTM → kernel/recurrent_kernel/bias; one note per transform
  --depthwise M[:K]  with --layout: module M is a depthwise Conv2d, depth multiplier K (default 1)
  --lstm keras|tf1   with --layout: LSTM target layout (default keras; tf1 = LSTMCell i,c,f,o)
  --forget-bias F    with --lstm tf1: the cell's forget_bias subtracted from the f bias (default 1)`;

/** Parse the layout flags; undefined when --layout is absent. */
export function parseLayoutFlags(args: ParsedArgs): LayoutOptions | undefined {
  const layout = stringFlag(args, 'layout');
  const dw = listFlag(args, 'depthwise');
  const lstm = stringFlag(args, 'lstm');
  const fb = stringFlag(args, 'forget-bias');
  if (layout === undefined) {
    if (dw.length > 0 || lstm !== undefined || fb !== undefined) throw new UsageError('bad_usage', '--depthwise, --lstm and --forget-bias need --layout pytorch', { hint: 'add --layout pytorch' });
    return undefined;
  }
  if (layout !== 'pytorch') throw new UsageError('bad_usage', `--layout must be pytorch, got "${layout}"`, { hint: '--layout pytorch reads PyTorch state dicts under Keras names and layouts' });
  if (lstm !== undefined && lstm !== 'keras' && lstm !== 'tf1') throw new UsageError('bad_usage', `--lstm must be keras or tf1, got "${lstm}"`, { hint: 'keras: tfjs/Keras LSTM; tf1: TF1 LSTMCell' });
  const depthwise: Record<string, number> = {};
  for (const d of dw) {
    const [m, k] = d.includes(':') ? [d.slice(0, d.lastIndexOf(':')), Number(d.slice(d.lastIndexOf(':') + 1))] : [d, 1];
    if (!m || !Number.isSafeInteger(k) || k < 1) throw new UsageError('bad_usage', `--depthwise expects MODULE or MODULE:MULTIPLIER, got "${d}"`, { hint: 'e.g. --depthwise features.3 or --depthwise dw:2' });
    depthwise[m] = k;
  }
  const forgetBias = fb === undefined ? undefined : Number(fb);
  if (forgetBias !== undefined && !Number.isFinite(forgetBias)) throw new UsageError('bad_usage', `--forget-bias expects a number, got "${fb}"`, { hint: 'TF cells default to 1.0' });
  return { layout: 'pytorch', depthwise, ...(lstm ? { lstm: lstm as 'keras' | 'tf1' } : {}), ...(forgetBias !== undefined ? { forgetBias } : {}) };
}
