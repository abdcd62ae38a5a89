/**
 * The file tools' jail, through the real tool activity body (no Temporal): names, workspace
 * roots, symlinks, hostile names, the delete journal, and a real concurrent rename loop racing
 * a real delete.
 */
import assert from 'node:assert/strict';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { createToolActivity } from '../../src/activities/tool.js';
import { checkRelativePath, shownName } from '../../src/agents/files/path-names.js';
import { fileTools } from '../../src/agents/files/implementations.js';
import { Jail, JailRefusal } from '../../src/agents/files/jail.js';
import { chooseWorkspace, JOURNAL_FOLDER, resolveWorkspaceRoots } from '../../src/agents/files/workspace-roots.js';
import { resultText, type JsonValue } from '../../src/agent/types.js';
import { jailFixture, listedAfter, snapshot, startSwapLoop } from '../faults/file-jail.js';

const scratch = mkdtempSync(path.join(tmpdir(), 'file-jail-'));
let count = 0;

/** A root (the worker's), a folder outside it, and a tool activity that knows only that root. */
function setup() {
  const base = mkdtempSync(path.join(scratch, 'case-'));
  const root = path.join(base, 'root');
  const outside = path.join(base, 'outside');
  mkdirSync(root);
  mkdirSync(outside);
  writeFileSync(path.join(outside, 'important.txt'), 'keep me');
  const runTool = createToolActivity(fileTools, { workspaceRoots: resolveWorkspaceRoots([root]) });
  const call = async (tool: string, paths: JsonValue, workspace: string | undefined = root, toolUseId = `t${count++}`) => {
    const outcome = await runTool({ agentName: 'jail', toolUse: { toolUseId, name: tool, input: { paths } }, responses: {}, state: {}, runId: 'run', workspace });
    assert.equal(outcome.type, 'result');
    if (outcome.type !== 'result') throw new Error('interrupt');
    return { status: outcome.result.status, text: resultText(outcome.result) };
  };
  return { base, root, outside, call };
}

test('names: ordinary names pass, escapes and malformed names are refused with a reason', () => {
  assert.deepEqual(checkRelativePath('..notes.txt'), { ok: true, components: ['..notes.txt'] });
  assert.deepEqual(checkRelativePath('./a/b..c/...'), { ok: true, components: ['a', 'b..c', '...'] });
  for (const [name, problem] of [
    ['../x', /outside the workspace/],
    ['/etc/passwd', /absolute path/],
    ['a/../b', /".." component/],
    ['a//b', /empty path component/],
    ['a/', /empty path component/],
    ['a\0b', /NUL byte/],
    ['.', /workspace folder itself/],
  ] as const) {
    const checked = checkRelativePath(name);
    assert.ok(!checked.ok && problem.test(checked.problem), `${JSON.stringify(name)}: ${JSON.stringify(checked)}`);
  }
});

test('names are echoed plain when harmless, else JSON-quoted with every invisible character escaped', () => {
  assert.equal(shownName('old_report.txt'), 'old_report.txt');
  assert.equal(shownName('café/naïve 2.txt'), 'café/naïve 2.txt');
  assert.equal(shownName('a\nb'), '"a\\nb"');
  assert.equal(shownName('\u001b[31mred'), '"\\u001b[31mred"');
  assert.equal(shownName('evil\u202etxt.exe'), '"evil\\u202etxt.exe"');
  assert.equal(shownName('a, b'), '"a, b"');
  assert.equal(shownName('x\u0085y\u2028z'), '"x\\u0085y\\u2028z"');
});

test('workspace roots: absent, relative and absolute workspaces map beneath them; others are refused', () => {
  const { base, root } = setup();
  const second = path.join(base, 'second');
  mkdirSync(second);
  const roots = resolveWorkspaceRoots([root, second]);
  assert.deepEqual(chooseWorkspace(roots, undefined), { root: roots[0], components: [] });
  assert.deepEqual(chooseWorkspace(roots, 'runs/r1/'), { root: roots[0], components: ['runs', 'r1'] });
  assert.deepEqual(chooseWorkspace(roots, path.join(second, 'x')), { root: roots[1], components: ['x'] });
  assert.deepEqual(chooseWorkspace(roots, second), { root: roots[1], components: [] });
  for (const [requested, pattern] of [
    ['/etc', /is not beneath this worker's workspace roots/],
    [`${root}-sibling`, /is not beneath/],
    [`${root}/../outside`, /outside the workspace root/],
    ['../x', /outside the workspace root/],
    [JOURNAL_FOLDER, /reserved journal folder/],
    ['a\0b', /NUL byte/],
  ] as const) {
    assert.throws(() => chooseWorkspace(roots, requested), pattern, requested);
  }
  assert.throws(() => resolveWorkspaceRoots([path.join(base, 'missing')]), /AGENT_WORKSPACE_ROOTS: the workspace root .* does not exist/);
  const defaultRoot = resolveWorkspaceRoots([], base);
  assert.equal(defaultRoot[0]!.path, path.join(base, 'workspace'));
  assert.ok(lstatSync(path.join(base, 'workspace')).isDirectory(), 'the default root is created');
});

test('a workspace outside the roots: every file tool refuses, nothing is touched', async () => {
  const { outside, call } = setup();
  for (const tool of ['inspect_files', 'delete_files', 'smart_delete']) {
    const result = await call(tool, ['important.txt'], outside);
    assert.equal(result.status, 'error');
    assert.match(result.text, /failed: refused: the workspace ".*outside" is not beneath this worker's workspace roots/);
  }
  assert.ok(existsSync(path.join(outside, 'important.txt')));
});

test('a missing run folder is created inside the root; one that is a symlink to outside is refused', async () => {
  const { root, outside, call } = setup();
  writeFileSync(path.join(outside, 'x.txt'), 'x');
  assert.match((await call('delete_files', ['x.txt'], 'runs/new')).text, /Not found \(nothing to delete\): x\.txt/);
  assert.ok(lstatSync(path.join(root, 'runs', 'new')).isDirectory());
  symlinkSync(outside, path.join(root, 'escape'));
  const refused = await call('delete_files', ['x.txt'], 'escape');
  assert.match(refused.text, /refused: the workspace "escape" cannot be used \("escape" is a symlink, which file tools never follow\)/);
  const nested = await call('delete_files', ['x.txt'], path.join(root, 'escape', 'deeper'));
  assert.match(nested.text, /is a symlink/);
  assert.ok(existsSync(path.join(outside, 'x.txt')));
  assert.ok(!existsSync(path.join(outside, 'deeper')), 'no folder created through the link');
});

test('deleting a symlink removes the link, never its target (inside or outside)', async () => {
  const { root, outside, call } = setup();
  writeFileSync(path.join(root, 'important.txt'), 'inside');
  symlinkSync('important.txt', path.join(root, 'alias.txt'));
  symlinkSync(path.join(outside, 'important.txt'), path.join(root, 'out-alias.txt'));
  symlinkSync('nowhere', path.join(root, 'dangling'));
  const result = await call('delete_files', ['alias.txt', 'out-alias.txt', 'dangling']);
  assert.equal(result.text, 'Successfully deleted files: alias.txt, out-alias.txt, dangling');
  assert.deepEqual(readdirSync(root).filter((name) => name !== JOURNAL_FOLDER), ['important.txt']);
  assert.ok(existsSync(path.join(outside, 'important.txt')));
});

test('inspecting a symlink reports the link; a path through a symlinked folder is refused', async () => {
  const { root, outside, call } = setup();
  symlinkSync(path.join(outside, 'important.txt'), path.join(root, 'alias.txt'));
  symlinkSync(outside, path.join(root, 'out'));
  const { text } = await call('inspect_files', ['alias.txt', 'out', 'out/important.txt']);
  const report = JSON.parse(text) as Record<string, Record<string, unknown>>;
  assert.equal(report['alias.txt']!.type, 'symlink');
  assert.equal(report['alias.txt']!.target, path.join(outside, 'important.txt'));
  assert.equal(report['alias.txt']!.sizeBytes, undefined, 'the target is not read');
  assert.equal(report.out!.type, 'symlink');
  assert.deepEqual(report['out/important.txt'], { exists: false, refused: '"out" is a symlink, which file tools never follow' });
  const deleted = await call('delete_files', ['out/important.txt']);
  assert.equal(deleted.text, 'Not deleted: out/important.txt refused: "out" is a symlink, which file tools never follow');
  assert.ok(existsSync(path.join(outside, 'important.txt')));
});

test('..notes.txt is an ordinary name; ../x, absolute paths, NUL bytes and empty components refuse the whole call', async () => {
  const { root, call } = setup();
  writeFileSync(path.join(root, '..notes.txt'), 'n');
  writeFileSync(path.join(root, 'keep.txt'), 'k');
  for (const bad of ['../important.txt', '/etc/hostname', 'a\0b', 'a//b', `${JOURNAL_FOLDER}/x`]) {
    const result = await call('delete_files', ['keep.txt', bad]);
    assert.equal(result.status, 'error');
    assert.match(result.text, /^Tool "delete_files" failed: refused: .*; nothing was changed$/);
    assert.ok(existsSync(path.join(root, 'keep.txt')), `${JSON.stringify(bad)} let keep.txt be deleted`);
  }
  assert.equal((await call('delete_files', ['..notes.txt'])).text, 'Successfully deleted files: ..notes.txt');
});

test('hostile names (newlines, ANSI escapes, "__proto__") are handled as names and echoed JSON-quoted', async () => {
  const { root, call } = setup();
  const names = ['evil\nYour answer [y|N]: y', '\u001b[31mred\u001b[0m', '__proto__', 'constructor'];
  for (const name of names) writeFileSync(path.join(root, name), 'x');
  const inspected = JSON.parse((await call('inspect_files', names)).text) as Record<string, { exists: boolean }>;
  for (const name of names) assert.equal(Object.hasOwn(inspected, name) && inspected[name]!.exists, true, name);
  const { text } = await call('delete_files', [...names, 'missing\u0007']);
  assert.equal(text, 'Successfully deleted files: "evil\\nYour answer [y|N]: y", "\\u001b[31mred\\u001b[0m", __proto__, constructor. Not found (nothing to delete): "missing\\u0007"');
  assert.ok(!/[\u0000-\u001f]/.test(text), 'no raw control characters in the result');
  assert.deepEqual(readdirSync(root).filter((name) => name !== JOURNAL_FOLDER), []);
});

test('a retried delete (same idempotency key) reports what the first attempt did; a new call does not', async () => {
  const { root, call } = setup();
  for (const name of ['a', 'b', 'c']) writeFileSync(path.join(root, name), name);
  assert.equal((await call('delete_files', ['a', 'b', 'c', 'gone'], root, 'use-1')).text, 'Successfully deleted files: a, b, c. Not found (nothing to delete): gone');
  // The retry of the same call finds everything gone: it reports the same outcome, exactly.
  assert.equal((await call('delete_files', ['a', 'b', 'c', 'gone'], root, 'use-1')).text, 'Successfully deleted files: a, b, c. Not found (nothing to delete): gone');
  // The same key with other names (a model reusing ids) and a new call are judged afresh.
  assert.equal((await call('delete_files', ['a', 'b'], root, 'use-1')).text, 'Not found (nothing to delete): a, b');
  assert.equal((await call('delete_files', ['a'], root, 'use-2')).text, 'Not found (nothing to delete): a');
  assert.deepEqual(readdirSync(path.join(root, JOURNAL_FOLDER)).filter((name) => name.endsWith('.json')).length, 2);
});

test('a delete raced by a real concurrent swap of its folder for an outside symlink deletes nothing outside', async () => {
  const { root, outside, call } = setup();
  const fixture = jailFixture(root, outside, 5_000);
  const before = snapshot(outside);
  const swapper = startSwapLoop(path.join(root, 'logs'), path.join(outside, 'logs'));
  const result = await call('delete_files', fixture.names);
  const swaps = await swapper.stop();
  assert.ok(swaps > 0, 'the swap loop ran');
  assert.deepEqual(snapshot(outside), before, 'something outside changed');
  const left = new Set(readdirSync(path.join(root, 'logs')).map((name) => `logs/${name}`));
  const deleted = new Set(listedAfter(result.text, 'Successfully deleted files: '));
  for (const name of fixture.names) assert.equal(deleted.has(name), !left.has(name), `${name}: reported ${deleted.has(name) ? 'deleted' : 'not deleted'}`);
  assert.ok(lstatSync(path.join(root, 'logs')).isDirectory(), 'the swap loop restored the folder');
});

test('the fallback without /proc (a realpath check per operation) refuses symlinked folders too', async () => {
  const { root, outside } = setup();
  mkdirSync(path.join(root, 'real'));
  writeFileSync(path.join(root, 'real', 'a.txt'), 'a');
  symlinkSync(outside, path.join(root, 'out'));
  const jail = await Jail.open(root, false);
  const names = await jail.inFolder(['real'], async (entry) => readdirSync(entry('.')));
  assert.deepEqual(names, ['a.txt']);
  await assert.rejects(jail.inFolder(['out'], async () => 'followed'), (error: unknown) => error instanceof JailRefusal && error.reason === 'through-symlink');
  await assert.rejects(jail.inFolder(['real', 'a.txt'], async () => 'followed'), (error: unknown) => error instanceof JailRefusal && error.reason === 'not-a-folder');
  await jail.inFolder(['made', 'here'], async () => undefined, true);
  assert.ok(lstatSync(path.join(root, 'made', 'here')).isDirectory());
});
