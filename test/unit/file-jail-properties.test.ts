/**
 * Property-based tests of the jail (fast-check): generated path names (unicode, dots, `..`,
 * slashes, control characters), generated symlinks (to inside and outside files and folders,
 * chains, dangling) and real concurrent renames. No generated operation ever touches anything
 * outside the root, a link is never followed, and every valid inside name works.
 */
import assert from 'node:assert/strict';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { createToolActivity } from '../../src/activities/tool.js';
import { fileTools } from '../../src/agents/files/implementations.js';
import { shownName } from '../../src/agents/files/path-names.js';
import { JOURNAL_FOLDER, resolveWorkspaceRoots } from '../../src/agents/files/workspace-roots.js';
import { resultText } from '../../src/agent/types.js';
import { jailFixture, listedAfter, snapshot, startSwapLoop } from '../faults/file-jail.js';

const scratch = mkdtempSync(path.join(tmpdir(), 'file-jail-prop-'));
let uses = 0;

function jail() {
  const base = mkdtempSync(path.join(scratch, 'case-'));
  const root = path.join(base, 'root');
  const outside = path.join(base, 'outside');
  mkdirSync(path.join(outside, 'dir'), { recursive: true });
  mkdirSync(root);
  writeFileSync(path.join(outside, 'secret.txt'), 'outside');
  writeFileSync(path.join(outside, 'dir', 'secret.txt'), 'outside');
  const runTool = createToolActivity(fileTools, { workspaceRoots: resolveWorkspaceRoots([root]) });
  const call = async (tool: string, paths: string[], workspace?: string) => {
    const outcome = await runTool({ agentName: 'prop', toolUse: { toolUseId: `u${uses++}`, name: tool, input: { paths } }, responses: {}, state: {}, runId: 'prop', workspace });
    assert.equal(outcome.type, 'result');
    if (outcome.type !== 'result') throw new Error('interrupt');
    return { status: outcome.result.status, text: resultText(outcome.result) };
  };
  return { base, root, outside, call };
}

/** What an entry of the generated tree is. */
const KINDS = ['file', 'folder', 'link-inside-file', 'link-inside-folder', 'link-outside-file', 'link-outside-folder', 'chain-outside', 'dangling', 'absolute-link-root-parent'] as const;
type Kind = (typeof KINDS)[number];
const TREE_NAMES = ['a', 'b', 'logs', '..notes.txt', 'sub'];

/** Builds the tree: each name at the root, and a file `inner.txt` in every real folder. */
function build(root: string, outside: string, kinds: Kind[]): void {
  mkdirSync(path.join(root, 'real-folder'));
  writeFileSync(path.join(root, 'real-folder', 'inner.txt'), 'inside');
  writeFileSync(path.join(root, 'real-file.txt'), 'inside');
  kinds.forEach((kind, index) => {
    const at = path.join(root, TREE_NAMES[index]!);
    if (kind === 'file') writeFileSync(at, 'inside');
    if (kind === 'folder') (mkdirSync(at), writeFileSync(path.join(at, 'inner.txt'), 'inside'));
    if (kind === 'link-inside-file') symlinkSync('real-file.txt', at);
    if (kind === 'link-inside-folder') symlinkSync('real-folder', at);
    if (kind === 'link-outside-file') symlinkSync(path.join(outside, 'secret.txt'), at);
    if (kind === 'link-outside-folder') symlinkSync(path.join(outside, 'dir'), at);
    if (kind === 'chain-outside') (symlinkSync(path.join(outside, 'dir'), `${at}-hop`), symlinkSync(`${TREE_NAMES[index]!}-hop`, at));
    if (kind === 'dangling') symlinkSync(path.join(root, 'nowhere'), at);
    if (kind === 'absolute-link-root-parent') symlinkSync('..', at);
  });
}

const hostileComponent = fc.oneof(
  fc.constantFrom('.', '..', '...', '..notes.txt', '__proto__', 'inner.txt', 'secret.txt', 'dir', 'real-folder', 'real-file.txt', JOURNAL_FOLDER, ''),
  fc.constantFrom(...TREE_NAMES, ...TREE_NAMES.map((name) => `${name}-hop`)),
  fc.constantFrom('\n', '\u001b[31m', '\0', '\u202e', '\r\n', ' ', '\\', '%2e%2e'),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 8 }),
);
const hostileName = fc.tuple(fc.boolean(), fc.array(hostileComponent, { minLength: 1, maxLength: 4 })).map(([absolute, parts]) => `${absolute ? '/' : ''}${parts.join('/')}`);

test('property: no generated name over a generated tree of symlinks touches anything outside the root, nor follows a link', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.constantFrom(...KINDS), { minLength: TREE_NAMES.length, maxLength: TREE_NAMES.length }),
      fc.array(hostileName, { minLength: 1, maxLength: 6 }),
      fc.constantFrom(undefined, 'run', 'a/b', '..', '/', 'sub'),
      async (kinds, names, workspace) => {
        const { base, root, outside, call } = jail();
        build(root, outside, kinds);
        const outsideBefore = snapshot(outside);
        const realFilesBefore = new Set(snapshot(root).filter((entry) => entry.endsWith(': inside')).map((entry) => entry.slice(0, -': inside'.length)));
        for (const tool of ['inspect_files', 'delete_files']) {
          const { status, text } = await call(tool, names, workspace);
          if (status === 'error') assert.match(text, /^Tool "\w+" failed: (refused: |the workspace)/, text);
        }
        assert.deepEqual(snapshot(outside), outsideBefore, 'something outside the root changed');
        assert.deepEqual(readdirSync(base).sort(), ['outside', 'root']);
        assert.ok(lstatSync(root).isDirectory());
        // A real file inside is gone only if it was named by its own path (never through a link).
        const named = new Set(names.map((name) => path.posix.normalize(`${workspace && !workspace.startsWith('/') && workspace !== '..' ? `${workspace}/` : ''}${name}`)));
        for (const file of realFilesBefore) {
          if (!existsSync(path.join(root, file))) assert.ok(named.has(file), `${file} was deleted but never named (${JSON.stringify(names)})`);
        }
      },
    ),
    { numRuns: 300 },
  );
});

/** A component the tools must accept: no `/`, no NUL, not `.` or `..`, at most 255 bytes. */
const validComponent = fc
  .string({ unit: 'grapheme', minLength: 1, maxLength: 30 })
  .filter((name) => !name.includes('/') && !name.includes('\0') && name !== '.' && name !== '..' && name !== JOURNAL_FOLDER && Buffer.byteLength(name) <= 255);

test('property: every valid name inside the workspace can be inspected and deleted, and is echoed safely', async () => {
  const { root, call } = jail();
  await fc.assert(
    fc.asyncProperty(validComponent, validComponent, async (folder, name) => {
      mkdirSync(path.join(root, folder), { recursive: true });
      const file = `${folder}/${name}`;
      writeFileSync(path.join(root, file), 'x');
      const inspected = JSON.parse((await call('inspect_files', [file])).text) as Record<string, { exists: boolean; sizeBytes?: number }>;
      assert.equal(inspected[file]?.sizeBytes, 1, file);
      const { text } = await call('delete_files', [file]);
      assert.equal(text, `Successfully deleted files: ${shownName(file)}`);
      assert.ok(!/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e]/.test(text), 'a raw control character in the result');
      assert.ok(!existsSync(path.join(root, file)));
    }),
    { numRuns: 300 },
  );
});

test('property: a delete raced by real concurrent renames (folder <-> outside symlink) deletes nothing outside', async () => {
  await fc.assert(
    fc.asyncProperty(fc.constantFrom('workspace', 'logs'), fc.integer({ min: 200, max: 800 }), async (swapped, count) => {
      const { root, outside, call } = jail();
      const workspace = path.join(root, 'run');
      const { names } = jailFixture(workspace, outside, count);
      const before = snapshot(outside);
      const [folder, target] = swapped === 'workspace' ? [workspace, outside] : [path.join(workspace, 'logs'), path.join(outside, 'logs')];
      const swapper = startSwapLoop(folder, target, path.join(workspace, 'logs', 'f-0.log'));
      const { text } = await call('delete_files', names, 'run');
      await swapper.stop();
      assert.deepEqual(snapshot(outside), before, 'something outside changed');
      const left = new Set(readdirSync(path.join(workspace, 'logs')).map((name) => `logs/${name}`));
      const deleted = new Set(listedAfter(text, 'Successfully deleted files: '));
      for (const name of names) assert.equal(deleted.has(name), !left.has(name), `${name} reported ${deleted.has(name) ? '' : 'not '}deleted`);
    }),
    { numRuns: 8 },
  );
});
