/** The offline demo model's parsing (src/models/demo.ts) and the classifier's JSON extraction: linear, no backtracking regex. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { outermostBraces } from '../../src/agent/approval/classify.js';
import { DemoProvider, fileNamesIn } from '../../src/models/demo.js';

const HOSTILE = 200 * 1024;

test('file names: quoted lists, paths, sentence ends, duplicates; not words without an extension', () => {
  assert.deepEqual(fileNamesIn("Please delete these old files: ['old_report.txt', 'temp_data.csv', 'backup_2023.zip']"), [
    'old_report.txt',
    'temp_data.csv',
    'backup_2023.zip',
  ]);
  assert.deepEqual(fileNamesIn('Delete logs/app.log and a.txt. Then a.txt again, report.tar.gz, .bashrc, v1.2.3-beta and notes.'), [
    'logs/app.log',
    'a.txt',
    'report.tar.gz',
  ]);
  assert.deepEqual(fileNamesIn('name.toolongextension x.y'), ['x.y']);
});

test('a 200 KB hostile word is read in one pass', () => {
  // Shapes that made the old /[\w./-]*\w\.[A-Za-z0-9]{1,8}\b/ backtrack: long runs of path characters without a match.
  assert.deepEqual(fileNamesIn('a'.repeat(HOSTILE)), []);
  assert.deepEqual(fileNamesIn('a-'.repeat(HOSTILE / 2)), []);
  assert.deepEqual(fileNamesIn('a.b_'.repeat(HOSTILE / 4)), []);
  // Long but valid: one name, the whole word (compared by length: a failure should not print 200 KB).
  assert.deepEqual(fileNamesIn('a.'.repeat(HOSTILE / 2)).map((name) => name.length), [HOSTILE - 1]);
  assert.deepEqual(fileNamesIn(`${'a/'.repeat(HOSTILE / 2)}x.txt`).map((name) => name.length), [HOSTILE + 5]);
});

test('the demo model answers a prompt of a 200 KB hostile word', async () => {
  const reply = await new DemoProvider().invoke({
    system: '',
    messages: [{ role: 'user', content: [{ text: `delete ${'x'.repeat(HOSTILE)} and ${'y-'.repeat(HOSTILE / 2)}` }] }],
    tools: [],
  } as never);
  assert.equal(reply.stopReason, 'end_turn');
  assert.match(JSON.stringify(reply.message.content), /found no file names/);
});

test('the classifier finds the JSON in a chatty reply, and a 200 KB reply of braces costs one pass', () => {
  assert.equal(outermostBraces('Sure! {"risky": true, "reason": "x"} hope that helps'), '{"risky": true, "reason": "x"}');
  assert.equal(outermostBraces('no json here'), '');
  assert.equal(outermostBraces('} backwards {'), '');
  assert.equal(outermostBraces('{'.repeat(HOSTILE)), '');
  assert.equal(outermostBraces(`${'{'.repeat(HOSTILE)}}`).length, HOSTILE + 1);
});
