/**
 * The list of CLI commands, in the order `graft --help` shows them. Commands load lazily, so
 * starting `graft inspect` does not pay for TF.js.
 */
import type { Command } from './command.js';

/** A command's name, its one-line summary, and how to load it. */
export interface CommandEntry {
  name: string;
  summary: string;
  load: () => Promise<Command<any>>;
}

/** Every command Graft has. */
export const COMMANDS: readonly CommandEntry[] = [
  { name: 'demo', summary: 'run the five scenarios end to end on real data and write report/index.html', load: async () => (await import('./commands/demo.js')).demoCommand },
  { name: 'inspect', summary: 'list a checkpoint\'s tensors (names, dtypes, shapes, bytes), values or stats', load: async () => (await import('./commands/inspect.js')).inspectCommand },
  { name: 'diff', summary: 'compare two checkpoints tensor by tensor', load: async () => (await import('./commands/diff.js')).diffCommand },
  { name: 'convert', summary: 'convert between TF bundle, safetensors and tfjs weights', load: async () => (await import('./commands/convert.js')).convertCommand },
  { name: 'restore-plan', summary: 'dry-run a restore: what would be restored, missing, unused or mismatched', load: async () => (await import('./commands/restore-plan.js')).restorePlanCommand },
  { name: 'train', summary: 'train a built-in model with TF1-style scopes, decay and EMA', load: async () => (await import('./commands/train.js')).trainCommand },
  { name: 'eval', summary: 'evaluate a checkpoint (raw or EMA weights), rebuilding the model from .meta.json', load: async () => (await import('./commands/eval.js')).evalCommand },
  { name: 'transfer', summary: 'transfer learning: freeze, features or finetune from a pretrained checkpoint', load: async () => (await import('./commands/transfer.js')).transferCommand },
  { name: 'transfer-common', summary: 'copy the layers two architectures share', load: async () => (await import('./commands/transfer-common.js')).transferCommonCommand },
  { name: 'doctor', summary: 'say which compute backend runs, why, and how to get the fast one', load: async () => (await import('./commands/doctor.js')).doctorCommand },
  { name: 'build-native', summary: 'build the native oneDNN kernels of this copy (works in an installed package)', load: async () => (await import('./commands/build-native.js')).buildNativeCommand },
];
