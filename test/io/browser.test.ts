import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as browser from '../../src/io/browser.js';
import * as node from '../../src/io/node.js';
import * as h5Browser from '../../src/formats/keras-h5/h5-browser.js';
import { GraftError } from '../../src/errors.js';

test('the browser variant of #graft/node has every export of the Node one', () => {
  assert.deepEqual(Object.keys(browser).sort(), Object.keys(node).sort());
  assert.equal(browser.HOST, 'browser');
});

test('in a page every file operation is a typed no_filesystem error naming the path and what to use', async () => {
  for (const call of [() => browser.openRegularFile('runs/a/model.ckpt-1.index'), () => browser.stat('runs/a'), () => browser.readdir('runs'), () => browser.Publish.begin('runs/a', 'k')]) {
    await assert.rejects(call(), (e: unknown) => e instanceof GraftError && e.code === 'no_filesystem' && /http\(s\):\/\/.*opfs:\/\/.*mountFiles/.test(e.hint ?? ''));
  }
  assert.throws(() => browser.readFileSync('x'), (e: unknown) => e instanceof GraftError && e.code === 'no_filesystem' && e.message.startsWith('x: '));
  assert.equal(browser.existsSync('/etc/passwd'), false);
  assert.equal(browser.sha256Hex(['abc']), node.sha256Hex(['abc']));
});

test('.h5 in a page: FormatError h5_node_only with the conversion to use', async () => {
  const e = h5Browser.h5Unavailable('model.weights.h5');
  assert.ok(e instanceof GraftError);
  assert.equal(e.code, 'h5_node_only');
  assert.match(e.hint ?? '', /graft convert/);
  await assert.rejects(h5Browser.importH5wasm(), (x: unknown) => x instanceof GraftError && x.code === 'h5_node_only');
});

test('downloadFiles outside a page is a typed no_document error', async () => {
  const { downloadFiles } = await import('../../src/io/download.js');
  await assert.rejects(downloadFiles({ 'a.bin': new Uint8Array([1]) }), (e: unknown) => e instanceof GraftError && e.code === 'no_document');
});
