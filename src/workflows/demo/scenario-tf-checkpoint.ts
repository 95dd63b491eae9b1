/**
 * The sixth scenario of `graft demo`: a checkpoint TensorFlow wrote — the TF1 Estimator MNIST CNN
 * in test/fixtures/tf1-bundle/hsbarker-estimator-cnn-adam (tf.layers names, Adam slots, an int64
 * global_step; provenance in test/fixtures/MANIFEST.md) — restored into a tf.LayersModel built the
 * usual tfjs way, through a restore plan whose report is shown, then evaluated on the real MNIST
 * test digits. The plan matches the model's Keras names to TF's (`conv2d/kernel`, …), reports the
 * optimizer slots it leaves unused, and nothing is guessed.
 */
import { existsSync } from '../../io/fs.js';
import { join } from '../../io/path.js';
import { GraftError } from '../../errors.js';
import { latestCheckpoint } from '../../checkpoint/state.js';
import { planRestore } from '../../checkpoint/restore-plan.js';
import { executeRestorePlan } from '../../checkpoint/execute-plan.js';
import { formatRestorePlan } from '../../checkpoint/format-report.js';
import { loadMnist } from '../../models/data/mnist.js';
import { estimatorCnnLayersModel, layersModelAccuracy } from '../../models/tf-estimator-cnn.js';
import { packageRoot } from '../../runtime/install-context.js';
import { parametersFromLayersModel } from '../../variables/layers-adapter.js';
import type { DemoSize, ScenarioResult } from './types.js';

export { estimatorCnnLayersModel, layersModelAccuracy };

/** The TF-written checkpoint directory the scenario restores (inside a clone of the repository). */
export function tfEstimatorCheckpointDir(): string {
  return join(packageRoot(), 'test', 'fixtures', 'tf1-bundle', 'hsbarker-estimator-cnn-adam');
}

/** Restore TensorFlow's checkpoint into the LayersModel and evaluate it on the real test digits. */
export async function tfCheckpointScenario(_work: string, _size: DemoSize): Promise<ScenarioResult> {
  const t0 = Date.now();
  const dir = tfEstimatorCheckpointDir();
  if (!existsSync(dir)) {
    throw new GraftError('fixture_not_found', `${dir}: the TF-written checkpoint of the demo is not here`, {
      hint: 'the demo runs from a clone of the Graft repository (test/fixtures is not in the npm package)',
    });
  }
  const prefix = (await latestCheckpoint(dir))!;
  const model = estimatorCnnLayersModel();
  const plan = await planRestore(parametersFromLayersModel(model), prefix);
  await executeRestorePlan(plan);
  const test = await loadMnist({ split: 'test' }); // all 10,000: the figure test/checkpoint/tf-fixtures.test.ts asserts
  const accuracy = layersModelAccuracy(model, test);
  model.dispose();
  const restored = plan.entries.filter((e) => e.status === 'restored');
  const unused = plan.entries.filter((e) => e.status === 'unused_in_checkpoint');
  const checks = {
    'every model weight restored from the TF checkpoint (6 of 6)': plan.summary.restored === 6 && plan.parameterCount === 6,
    'the optimizer slots and global_step are reported unused, not dropped silently': unused.length === 15,
    'the restored network classifies real test digits (> 90%)': accuracy > 0.9,
  };
  const pct = (x: number) => Math.round(1000 * x) / 10;
  return {
    id: 'tf-checkpoint', title: 'A TensorFlow-written checkpoint in a tf.LayersModel',
    headline: `TF1 Estimator CNN (model.ckpt-20000) restored into a tfjs-layers model: ${restored.length}/${plan.parameterCount} weights, ${pct(accuracy)}% on ${test.count} real test digits`,
    vsBaseline: `${pct(accuracy)}% = the figure the checkpoint tests measure`,
    accuracy, seconds: (Date.now() - t0) / 1000, checks,
    data: { checkpoint: prefix, summary: plan.summary, accuracy, testDigits: test.count },
    section: {
      id: 'tf-checkpoint', title: 'A checkpoint TensorFlow wrote, restored into a tf.LayersModel',
      notes: [
        'The checkpoint is a TF 1.x Estimator model_dir found in a public repository (hsbarker/UniqueMNISTsolutions; test/fixtures/MANIFEST.md): tf.layers conv2d → max_pooling2d → conv2d_1 → max_pooling2d → dense, trained with Adam for 20,000 steps. The model below is built with tfl.sequential and the same layer names; planRestore matched its weights by name and lists everything else the checkpoint holds.',
        `Accuracy on ${test.count} MNIST test digits (the official t10k split): ${pct(accuracy)}%.`,
      ],
      tables: [
        { title: 'restore plan', columns: ['variable', 'status', 'shape', 'dtype'], rows: plan.entries.map((e) => [e.name, e.status, JSON.stringify(e.expected?.shape ?? e.found?.shape ?? null), e.found?.dtype ?? e.expected?.dtype ?? '']) },
        { title: 'checks', columns: ['check', 'ok'], rows: Object.entries(checks) },
      ],
      commands: [
        'graft restore-plan model.json test/fixtures/tf1-bundle/hsbarker-estimator-cnn-adam',
        'graft inspect test/fixtures/tf1-bundle/hsbarker-estimator-cnn-adam --stats',
      ],
      preformatted: formatRestorePlan(plan),
    },
  };
}
