import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

const bin = new URL('../../../bin/graft', import.meta.url).pathname;

test('graft --help lists the commands and exits 0', () => {
  const r = spawnSync(bin, ['--help'], { encoding: 'utf8' });
  assert.equal(r.status, 0);
  assert.match(r.stdout, /inspect/);
  assert.match(r.stdout, /restore-plan/);
});

test('an unknown command is bad usage (exit 2) with a hint', () => {
  const r = spawnSync(bin, ['frobnicate'], { encoding: 'utf8' });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /error: unknown command "frobnicate"/);
  assert.match(r.stderr, /hint: commands:/);
  assert.match(r.stderr, /code: unknown_command/);
});

test('an unknown command with --json prints one error document', () => {
  const r = spawnSync(bin, ['frobnicate', '--json'], { encoding: 'utf8' });
  assert.equal(r.status, 2);
  const doc = JSON.parse(r.stdout);
  assert.equal(doc.error.code, 'unknown_command');
});
