/**
 * The browser example page (examples/browser/index.html): every step of issue 18 on real data the
 * repository ships, shown in the page and exposed as `window.graftExample` for the headless tests
 * (test/browser/page.test.ts): `done` resolves to a {@link PageResult}; `lazyRead(url, name)`
 * opens a checkpoint over HTTP and reads one tensor (the test counts the Range requests).
 *
 * First visit: backend → MNIST fetched → TF checkpoint restored over HTTP (plan report) →
 * accuracy → features-mode transfer → class change → saved to browser storage (digests kept in
 * localStorage) → a download prepared. After a reload (`?phase=reload`, or the button): the
 * checkpoint is restored from browser storage into fresh variables and compared byte for byte.
 */
import { loadMnist, setDataDir } from '../../src/models/data/index.js';
import { runScenario, type ScenarioResult } from './scenario.js';
import { initPageBackend, lazyReadTensor, modelParams, restoreFromStorage, saveDownload, saveToStorage, storageUrls, tensorDigests, type BackendSummary, type LazyRead } from './page-io.js';

/** What the page computed (plain data, returned to the tests). */
export interface PageResult {
  phase: 'first' | 'reload';
  crossOriginIsolated: boolean;
  backend: BackendSummary;
  scenario?: ScenarioResult;
  lazyRead?: LazyRead;
  /** Where the checkpoint was saved (OPFS, and IndexedDB too where both exist) and the SHA-256 of every saved tensor's bytes. */
  saved?: { urls: string[]; digests: Record<string, string> };
  /** After a reload, per storage: the digests of the restored variables, and whether they equal the saved ones. */
  reloaded?: { url: string; digests: Record<string, string>; identical: boolean; restored: number }[];
  download?: { name: string; bytes: number };
  /** Steps that failed without stopping the others (the lazy read, the download), as `step: message`. */
  errors: string[];
  seconds: number;
}

const DIGESTS_KEY = 'graft-example/digests';
const stepsEl = document.getElementById('steps')!;

/** Show a step in the page; returns a function that sets its outcome. */
function step(title: string): (text: string, ok?: boolean, pre?: string) => void {
  const div = document.createElement('div');
  div.className = 'step run';
  div.innerHTML = `<h2></h2><div class="text">running…</div>`;
  div.querySelector('h2')!.textContent = title;
  stepsEl.append(div);
  return (text, ok = true, pre) => {
    div.className = `step ${ok ? 'ok' : 'err'}`;
    div.querySelector('.text')!.textContent = text;
    if (pre !== undefined) {
      const p = document.createElement('pre');
      p.textContent = pre;
      div.append(p);
    }
  };
}

const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
const here = new URL('.', location.href);
const repo = new URL('../../', here);
const checkpointUrl = new URL('test/fixtures/tf1-bundle/hsbarker-estimator-cnn-adam/model.ckpt-20000', repo).href;

/** Run a step that the next ones do not need; a failure is shown and recorded, and the page goes on. */
async function attempt(result: PageResult, title: string, body: () => Promise<string>): Promise<void> {
  const s = step(title);
  try {
    s(await body());
  } catch (e) {
    s(`${(e as Error).name}: ${(e as Error).message}`, false, (e as Error).stack);
    result.errors.push(`${title}: ${(e as Error).message}`);
  }
}

async function firstVisit(result: PageResult): Promise<void> {
  let s = step('MNIST from data/mnist/ (loadMnist over HTTP, as in Node)');
  setDataDir(new URL('data/', repo).href);
  const [train, test] = await Promise.all([loadMnist({ split: 'train' }), loadMnist({ split: 'test' })]);
  s(`${train.count} training digits, ${test.count} test digits`);

  s = step('Restore the TF-written checkpoint over HTTP, train the new heads');
  const { result: scenario, restored, head } = await runScenario(checkpointUrl, { train, test });
  result.scenario = scenario;
  s(`${scenario.restore.summary.restored} weights restored; ${scenario.restore.correct}/${scenario.restore.testDigits} test digits correct (${pct(scenario.restore.correct / scenario.restore.testDigits)})`, true, scenario.restore.report);
  const t = scenario.transfer;
  step('Features-mode transfer: frozen body → features → a new head')(
    `head over digits ${t.classes.join(',')} from ${t.trainExamples} examples (${t.trainExamples / t.classes.length} per class): ${pct(t.accuracy)} on ${t.testExamples} test digits; ${t.steps} steps, ${t.epochMs.toFixed(2)} ms per epoch`);
  const c = scenario.classChange;
  step('Class change: digit 9 added (planClassChange / applyClassChange)')(
    `${c.statuses.join(' ')}; trained on ${c.trainExamples} examples: ${pct(c.accuracy)} on ${c.testExamples} test digits`);
  const m = scenario.merge;
  step('Class change: 4 and 9 merged (--merge 4,9=4|9), no training')(
    `${JSON.stringify(m.summary)}; classes ${m.classes.join(',')}: ${pct(m.accuracy)} on ${m.testExamples} test digits`);

  await attempt(result, 'A lazy one-tensor read over HTTP (Range requests)', async () => {
    result.lazyRead = await lazyReadTensor(checkpointUrl, 'dense/kernel');
    return `dense/kernel ${JSON.stringify(result.lazyRead.shape)}: ${result.lazyRead.bytes} bytes read`;
  });

  s = step('Save to browser storage');
  const params = modelParams(restored.model, head);
  const urls = await storageUrls();
  for (const url of urls) await saveToStorage(params, url);
  const digests = await tensorDigests(params);
  localStorage.setItem(DIGESTS_KEY, JSON.stringify({ urls, digests }));
  result.saved = { urls, digests };
  s(`${Object.keys(digests).length} tensors saved to ${urls.join(' and ')}`);

  await attempt(result, 'Export a download (read it with graft inspect)', async () => {
    result.download = await saveDownload(params, 'graft-example.safetensors', document.getElementById('download') as HTMLButtonElement);
    return `${result.download.name}: ${result.download.bytes} bytes`;
  });
  restored.model.dispose();
}

async function afterReload(result: PageResult): Promise<void> {
  const s = step('Restore from browser storage after a reload');
  const saved = JSON.parse(localStorage.getItem(DIGESTS_KEY) ?? 'null') as { urls: string[]; digests: Record<string, string> } | null;
  if (!saved) {
    s('nothing saved yet: open the page without ?phase=reload first', false);
    throw new Error('no saved checkpoint in this browser profile');
  }
  result.reloaded = [];
  const names = Object.keys(saved.digests);
  for (const url of saved.urls) {
    const { digests, restored } = await restoreFromStorage(url);
    const identical = names.length === Object.keys(digests).length && names.every((n) => digests[n] === saved.digests[n]);
    result.reloaded.push({ url, digests, identical, restored });
  }
  const ok = result.reloaded.every((r) => r.identical);
  s(result.reloaded.map((r) => `${r.restored} tensors restored from ${r.url}: ${r.identical ? 'bit-identical to what was saved' : 'DIFFERENT from what was saved'}`).join('; '), ok);
}

async function run(): Promise<PageResult> {
  const t0 = performance.now();
  const phase = new URLSearchParams(location.search).get('phase') === 'reload' ? 'reload' : 'first';
  const s = step('Backend (doctor)');
  const backend = await initPageBackend(new URL('node_modules/@tensorflow/tfjs-backend-wasm/dist/', repo).href);
  s(`${backend.backend} (${backend.kernels}), ${backend.threads} thread(s), SIMD ${backend.simd}`, true, backend.doctor.join('\n'));
  const result: PageResult = { phase, crossOriginIsolated: globalThis.crossOriginIsolated === true, backend, errors: [], seconds: 0 };
  if (phase === 'first') await firstVisit(result);
  else await afterReload(result);
  result.seconds = (performance.now() - t0) / 1000;
  (document.getElementById('reload') as HTMLButtonElement).disabled = false;
  return result;
}

document.getElementById('reload')!.addEventListener('click', () => { location.search = '?phase=reload'; });

const done = run().catch((e: unknown) => {
  step('Error')(`${(e as Error).name}: ${(e as Error).message}`, false, (e as Error).stack);
  console.error(e);
  throw e;
});
done.catch(() => undefined); // the tests read the rejection through window.graftExample.done
(globalThis as unknown as { graftExample: unknown }).graftExample = { done, lazyRead: lazyReadTensor };
