// Strict CLI values (issue 13): one parser for numbers, integers, choices and regexes, and the
// rules that make flags without effect or in conflict usage errors (exit 2, the flag named).
// Runs main() in-process: every case here fails before any backend or file is touched.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseNumberValue } from '../../src/cli/flags.js';
import { UsageError } from '../../src/errors.js';

const CHILD = fileURLToPath(new URL('./flags-child.js', import.meta.url));

type Result = { code: number; error?: { code: string; message: string; details?: Record<string, unknown> } };

/** Run the CLI on each argv (with --json) in one child process; exit codes and error documents. */
function cli(argvs: string[][]): Result[] {
  const r = spawnSync(process.execPath, [CHILD, JSON.stringify(argvs)], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Result[];
}

test('parseNumberValue: decimal numbers and digit integers only, bounds checked, the flag named', () => {
  assert.equal(parseNumberValue('learning-rate', '0.003'), 0.003);
  assert.equal(parseNumberValue('learning-rate', '1e-4'), 1e-4);
  assert.equal(parseNumberValue('learning-rate', '.5'), 0.5);
  assert.equal(parseNumberValue('learning-rate', ' 2 '), 2);
  assert.equal(parseNumberValue('seed', '-3', { integer: true, min: -10 }), -3);
  for (const bad of ['', ' ', '0x10', '1e', 'NaN', 'Infinity', '-Infinity', '1_000', '1,5', '0b1', '1e400', 'abc', '--1']) {
    assert.throws(() => parseNumberValue('learning-rate', bad), (err: unknown) => err instanceof UsageError && err.code === 'bad_flag_value'
      && err.message === `--learning-rate ${JSON.stringify(bad)}: expected a number ≥ 0`, `"${bad}"`);
  }
  for (const bad of ['1.5', '1e3', '9007199254740993', '-1']) assert.throws(() => parseNumberValue('max-steps', bad, { integer: true, min: 1 }), /--max-steps "[^"]*": expected an integer ≥ 1/, bad);
  assert.throws(() => parseNumberValue('learning-rate', '0', { exclusiveMin: true }), /expected a number > 0/);
  assert.throws(() => parseNumberValue('moving-average-decay', '1.01', { max: 1 }), /expected a number ≥ 0 and ≤ 1/);
});

test('graft train: loose values, flags without effect and conflicts are usage errors (exit 2)', async () => {
  const cases: [string[], string, RegExp][] = [
    [['--learning-rate', ''], 'bad_flag_value', /^--learning-rate "": expected a number > 0/],
    [['--learning-rate', '0x10'], 'bad_flag_value', /^--learning-rate "0x10"/],
    [['--learning_rate', '1e'], 'bad_flag_value', /^--learning-rate "1e"/],
    [['--learning-rate', 'NaN'], 'bad_flag_value', /^--learning-rate "NaN"/],
    [['--learning-rate=-0.1'], 'bad_flag_value', /^--learning-rate "-0.1"/],
    [['--max-steps', '0x10'], 'bad_flag_value', /^--max-steps "0x10": expected an integer ≥ 1/],
    [['--max_number_of_steps=-5'], 'bad_flag_value', /^--max-steps "-5"/],
    [['--epochs', '2.5'], 'bad_flag_value', /^--epochs "2.5"/],
    [['--batch-size', '0'], 'bad_flag_value', /^--batch-size "0"/],
    [['--moving-average-decay', '1.5'], 'bad_flag_value', /^--moving-average-decay "1.5": expected a number ≥ 0 and ≤ 1/],
    [['--log-every=-1'], 'bad_flag_value', /^--log-every "-1"/],
    [['--seed', '1e3'], 'bad_flag_value', /^--seed "1e3"/],
    [['--digits', '1,x'], 'bad_flag_value', /^--digits x/],
    [['--decay-steps', '100'], 'flag_without_effect', /^--decay-steps does nothing without --lr-decay/],
    [['--lr-decay', 'fixed', '--staircase'], 'flag_without_effect', /^--staircase does nothing without --lr-decay/],
    [['--lr-decay', 'cosine', '--decay-steps', '10', '--decay-rate', '0.5'], 'flag_without_effect', /^--decay-rate does nothing without an --lr-decay that reads it|^--decay-rate does nothing without an --lr-decay that reads them/],
    [['--lr-decay', 'piecewise_constant', '--boundaries', '10', '--values', '0.1,0.01', '--learning-rate', '0.1'], 'flag_without_effect', /^--learning-rate does nothing without a decay that scales it/],
    [['--lr-decay', 'piecewise_constant', '--boundaries', '20,10', '--values', '0.1,0.01,0.001'], 'bad_flag_value', /^--boundaries 20,10: must increase/],
    [['--lr-decay', 'exponential', '--decay-steps', '10', '--decay-rate', '0'], 'bad_flag_value', /^--decay-rate "0": expected a number > 0/],
    [['--max-steps', '10', '--steps', '5'], 'conflicting_flags', /^--max-steps and --steps cannot be used together/],
    [['--digits', '1,2', '--categories', 'card_arrival'], 'conflicting_flags', /^--digits and --categories cannot be used together/],
    [['--max-to-keep', '3'], 'flag_without_effect', /^--max-to-keep does nothing without --train-dir/],
    [['--checkpoint-format', 'safetensors'], 'flag_without_effect', /^--checkpoint-format does nothing without --train-dir/],
    [['--freeze-restored'], 'flag_without_effect', /^--freeze-restored does nothing without --restore/],
    [['--exclude-scopes', 'Logits'], 'flag_without_effect', /^--exclude-scopes does nothing without --checkpoint-path/],
    [['--min-steps', '100'], 'flag_without_effect', /^--min-steps does nothing without --stop-if-no-increase/],
    [['--merge', 'a,b=c'], 'flag_without_effect', /^--merge does nothing without --classes-from/],
    [['--tune-scope', 'inference/(conv'], 'bad_flag_value', /^--trainable-scopes "inference\/\(conv" is not a valid regular expression/],
    [['--save-scope', '[x'], 'bad_flag_value', /^--save-scope "\[x" is not a valid regular expression/],
  ];
  const results = cli(cases.map(([args]) => ['train', ...args]));
  for (const [i, [args, code, message]] of cases.entries()) {
    const r = results[i]!;
    assert.equal(r.code, 2, `${args.join(' ')}: ${JSON.stringify(r.error)}`);
    assert.equal(r.error?.code, code, args.join(' '));
    assert.match(r.error!.message, message, args.join(' '));
  }
});

test('other commands: the same strict values and rules', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'graft-flags-'));
  try {
    const fx = new URL('../../../test/fixtures/tf1-bundle/hsbarker-estimator-cnn-adam/model.ckpt-20000', import.meta.url).pathname;
    const cases: [string[], number, string, RegExp][] = [
      [['transfer', '--mode', 'freeze', '--from', 'x', '--learning-rate', ''], 2, 'bad_flag_value', /^--learning-rate ""/],
      [['transfer', '--mode', 'freeze', '--from', 'x', '--unfreeze-last', '2'], 2, 'flag_without_effect', /^--unfreeze-last does nothing without --mode finetune/],
      [['transfer', '--mode', 'finetune', '--from', 'x', '--unfreeze-last', '0'], 2, 'bad_flag_value', /^--unfreeze-last "0"/],
      [['transfer', '--mode', 'freeze', '--from', 'x', '--exclude-scopes', '(('], 2, 'bad_flag_value', /^--exclude-scopes "\(\(" is not a valid regular expression/],
      [['transfer', '--mode', 'freeze', '--from', 'x', '--max-to-keep', '2'], 2, 'flag_without_effect', /^--max-to-keep does nothing without --train-dir/],
      [['eval', '--checkpoint', 'x', '--test-limit', '0x10'], 2, 'bad_flag_value', /^--test-limit "0x10"/],
      [['eval', '--checkpoint', 'x', '--ema', '--both'], 2, 'conflicting_flags', /^--ema and --both cannot be used together/],
      [['eval', '--checkpoint', 'x', '--restore', 'y:a(b'], 2, 'bad_flag_value', /^--restore "a\(b" is not a valid regular expression/],
      [['inspect', fx, '--threshold', '1e3'], 2, 'bad_flag_value', /^--threshold "1e3": expected an integer ≥ 0/],
      [['transfer-common', 'a', 'b', '--match', 'fuzzy', '--dry-run'], 2, 'bad_flag_value', /^--match fuzzy: expected one of structure, shape, name/],
      [['transfer-common', 'a', 'b', '--dry-run', '--out', join(dir, 'o')], 2, 'flag_without_effect', /^--out does nothing without a write/],
      [['convert', fx, join(dir, 'none.safetensors'), '--include', 'conv2d', '--exclude', 'conv2d'], 1, 'nothing_selected', /leaves none of the \d+ tensors/],
    ];
    const results = cli(cases.map(([args]) => args));
    for (const [i, [args, exit, code, message]] of cases.entries()) {
      const r = results[i]!;
      assert.equal(r.code, exit, `${args.join(' ')}: ${JSON.stringify(r.error)}`);
      assert.equal(r.error?.code, code, args.join(' '));
      assert.match(r.error!.message, message, args.join(' '));
    }
    assert.deepEqual(await readdir(dir), [], 'no file written by any refused command');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
