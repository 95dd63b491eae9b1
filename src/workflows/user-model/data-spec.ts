/**
 * The user data spec a LayersModel checkpoint's `.meta.json` stores (`extra.userData`, the
 * vocabulary in `extra.vocabulary`; user-task.ts), read back with every number checked before it
 * sizes an allocation or a loop.
 */
import { InvalidArgumentError } from '../../errors.js';
import type { CheckpointMeta } from '../../checkpoint/meta.js';
import { Vocabulary } from '../../models/data/vocabulary.js';
import { MAX_CLASSES } from '../../models/data/user/user-data.js';
import { MAX_IMAGE_SIDE } from '../../models/data/user/image-decode.js';
import type { UserDataSpec } from './user-task.js';

/** Longest token sequence a stored data spec may ask for (the CLI's --max-length cap). */
export const MAX_TOKEN_LENGTH = 4096;

/**
 * The data spec and vocabulary a Graft LayersModel checkpoint stored.
 * @throws InvalidArgumentError `meta_without_data_spec`, `bad_meta_data_spec`.
 */
export function userDataOf(meta: CheckpointMeta, where: string): { spec: UserDataSpec; vocabulary?: Vocabulary } {
  const extra = (meta.extra ?? {}) as { userData?: UserDataSpec; vocabulary?: unknown };
  const spec = extra.userData;
  if (!spec || typeof spec.path !== 'string' || !Array.isArray(spec.classNames) || typeof spec.input !== 'object' || spec.input === null) {
    throw new InvalidArgumentError('meta_without_data_spec', `${where}: the .meta.json has no user data spec (extra.userData)`, { hint: 'pass the data with --data (checkpoints of graft train --data have one)' });
  }
  // every number here sizes an allocation or a loop: checked before use (a damaged or hostile meta)
  const side = (v: unknown) => Number.isInteger(v) && (v as number) >= 1 && (v as number) <= MAX_IMAGE_SIDE;
  const input = spec.input as { kind?: unknown; shape?: unknown; maxLength?: unknown };
  const inputOk = input.kind === 'image'
    ? Array.isArray(input.shape) && input.shape.length === 3 && side(input.shape[0]) && side(input.shape[1]) && (input.shape[2] === 1 || input.shape[2] === 3)
    : input.kind === 'tokens' && Number.isInteger(input.maxLength) && (input.maxLength as number) >= 1 && (input.maxLength as number) <= MAX_TOKEN_LENGTH;
  const ok = inputOk && spec.classNames.length >= 1 && spec.classNames.length <= MAX_CLASSES && spec.classNames.every((c) => typeof c === 'string')
    && typeof spec.testSplit === 'number' && spec.testSplit > 0 && spec.testSplit < 1 && Number.isSafeInteger(spec.seed) && spec.seed >= 0;
  if (!ok) {
    throw new InvalidArgumentError('bad_meta_data_spec', `${where}: the .meta.json's extra.userData is not a valid data spec (input ${JSON.stringify(spec.input).slice(0, 80)}, ${spec.classNames.length} classes, test split ${spec.testSplit}, seed ${spec.seed})`, {
      hint: 'the meta file is damaged; re-save the checkpoint, or evaluate with --data', details: { path: where },
    });
  }
  return { spec, ...(Array.isArray(extra.vocabulary) ? { vocabulary: new Vocabulary(extra.vocabulary as string[]) } : {}) };
}

