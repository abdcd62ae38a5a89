/**
 * Fault 5: hostile paths for the file tools. Symlinks to outside (files, folders, chains,
 * dangling), escaping and malformed names, hostile names, workspaces outside the worker's roots,
 * and a folder swapped for an outside symlink by a real concurrent process while a 5,000-file
 * delete runs, first through the tool activity body, then through a real run on the fault
 * server. Each case gets one line; nothing outside the root may change.
 * Also the fixtures the jail's unit and integration tests share.
 */
import { spawn } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createToolActivity } from '../../src/activities/tool.js';
import { fileTools } from '../../src/agents/files/implementations.js';
import { JOURNAL_FOLDER, resolveWorkspaceRoots } from '../../src/agents/files/workspace-roots.js';
import { resultText } from '../../src/agent/types.js';
import type { FaultContext } from './context.js';
import { assertThat, type FaultReport } from './harness.js';

/** `count` files in `root/logs`, and files of the same names in `outside/logs` that must survive. */
export function jailFixture(root: string, outside: string, count: number): { names: string[] } {
  mkdirSync(path.join(root, 'logs'), { recursive: true });
  mkdirSync(path.join(outside, 'logs'), { recursive: true });
  const names: string[] = [];
  for (let index = 0; index < count; index++) {
    const name = `logs/f-${index}.log`;
    writeFileSync(path.join(root, name), 'inside');
    writeFileSync(path.join(outside, name), 'outside');
    names.push(name);
  }
  return { names };
}

/** Every entry beneath `dir` with what it is (content of files, target of links), sorted. */
export function snapshot(dir: string): string[] {
  const entries: string[] = [];
  const walk = (folder: string, prefix: string): void => {
    for (const name of readdirSync(folder).sort()) {
      const full = path.join(folder, name);
      const info = lstatSync(full);
      if (info.isSymbolicLink()) entries.push(`${prefix}${name} -> ${readlinkSync(full)}`);
      else if (info.isDirectory()) (entries.push(`${prefix}${name}/`), walk(full, `${prefix}${name}/`));
      else entries.push(`${prefix}${name}: ${readFileSync(full, 'utf8')}`);
    }
  };
  walk(dir, '');
  return entries;
}

/** The names a delete result lists after `heading` (plain names: the fixtures use no quoting). */
export function listedAfter(text: string, heading: string): string[] {
  const part = text.split('. ').find((segment) => segment.startsWith(heading));
  return part ? part.slice(heading.length).split(', ') : [];
}

// Once `trigger` is gone (the delete has begun, past any up-front check), swaps the folder for a
// symlink to `target` and back as fast as it can until the stop file appears, holding the link
// for a while each time so that a follower falls in.
const SWAP_LOOP = `
const fs = require('node:fs');
const [folder, target, stopFile, trigger] = process.argv.slice(1);
while (fs.existsSync(trigger) && !fs.existsSync(stopFile));
let swaps = 0;
while (!fs.existsSync(stopFile)) {
  fs.renameSync(folder, folder + '.real');
  fs.symlinkSync(target, folder);
  for (let i = 0; i < 200; i++) fs.lstatSync(folder);
  fs.unlinkSync(folder);
  fs.renameSync(folder + '.real', folder);
  swaps++;
}
process.stdout.write(String(swaps));
`;

/** A real concurrent process racing the tools: swaps `folder` for a symlink to `target` from when `trigger` is deleted until stopped. */
export function startSwapLoop(folder: string, target: string, trigger = path.join(folder, 'f-0.log')): { stop(): Promise<number> } {
  const stopFile = `${folder}.stop-${process.pid}-${Date.now()}`;
  const child = spawn(process.execPath, ['-e', SWAP_LOOP, folder, target, stopFile, trigger], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  return {
    async stop() {
      writeFileSync(stopFile, '');
      const code = await exited;
      if (code !== 0) throw new Error(`the swap loop failed (exit ${code})`);
      return Number(out);
    },
  };
}

/** A root with an outside folder next to it (and `files` fixture files in both), and a tool activity that knows only that root. */
function jailCase(scratch: string, files = 0) {
  const base = mkdtempSync(path.join(scratch, 'case-'));
  const root = path.join(base, 'root');
  const outside = path.join(base, 'outside');
  mkdirSync(root);
  mkdirSync(outside);
  writeFileSync(path.join(outside, 'important.txt'), 'outside');
  const { names } = jailFixture(root, outside, files);
  const runTool = createToolActivity(fileTools, { workspaceRoots: resolveWorkspaceRoots([root]) });
  let uses = 0;
  const call = async (tool: string, paths: string[], workspace: string = root) => {
    const outcome = await runTool({ agentName: 'faults', toolUse: { toolUseId: `u${uses++}`, name: tool, input: { paths } }, responses: {}, state: {}, runId: 'faults', workspace });
    if (outcome.type !== 'result') throw new Error('the tool asked a question');
    return { status: outcome.result.status, text: resultText(outcome.result) };
  };
  const outsideBefore = snapshot(outside);
  const outsideUnchanged = () => assertThat(JSON.stringify(snapshot(outside)) === JSON.stringify(outsideBefore), 'something outside the root changed');
  return { root, outside, names, call, outsideUnchanged };
}

const inRoot = (root: string) => readdirSync(root).filter((name) => name !== JOURNAL_FOLDER && name !== 'logs').sort().join(', ');

export async function fileJail(context: FaultContext, report: FaultReport): Promise<void> {
  const group = 'file tools: hostile paths';
  const scratch = mkdtempSync(path.join(tmpdir(), 'hitl-faults-jail-'));
  const cases: Array<[string, () => Promise<string>]> = [
    ['delete a symlink to a file inside: the link goes, the target stays', async () => {
      const { root, call, outsideUnchanged } = jailCase(scratch);
      writeFileSync(path.join(root, 'important.txt'), 'inside');
      symlinkSync('important.txt', path.join(root, 'alias.txt'));
      const { text } = await call('delete_files', ['alias.txt']);
      assertThat(inRoot(root) === 'important.txt', `left: ${inRoot(root)}`);
      outsideUnchanged();
      return text;
    }],
    ['delete a symlink to a file outside: the link goes, the target stays', async () => {
      const { root, outside, call, outsideUnchanged } = jailCase(scratch);
      symlinkSync(path.join(outside, 'important.txt'), path.join(root, 'alias.txt'));
      const { text } = await call('delete_files', ['alias.txt']);
      assertThat(inRoot(root) === '', `left: ${inRoot(root)}`);
      outsideUnchanged();
      return text;
    }],
    ['delete through a symlinked folder pointing outside: refused', async () => {
      const { root, outside, call, outsideUnchanged } = jailCase(scratch);
      symlinkSync(outside, path.join(root, 'out'));
      const { text } = await call('delete_files', ['out/important.txt']);
      assertThat(/refused: "out" is a symlink/.test(text), text);
      outsideUnchanged();
      return text;
    }],
    ['delete through a chain of symlinks (inside -> inside -> outside): refused', async () => {
      const { root, outside, call, outsideUnchanged } = jailCase(scratch);
      symlinkSync(outside, path.join(root, 'hop2'));
      symlinkSync('hop2', path.join(root, 'hop1'));
      const { text } = await call('delete_files', ['hop1/important.txt', 'hop1']);
      assertThat(/refused: "hop1" is a symlink/.test(text) && /^Successfully deleted files: hop1\. /.test(text), text);
      assertThat(lstatSync(path.join(root, 'hop2')).isSymbolicLink(), 'hop2 was touched');
      outsideUnchanged();
      return text;
    }],
    ['delete a dangling symlink: the link goes', async () => {
      const { root, call, outsideUnchanged } = jailCase(scratch);
      symlinkSync(path.join(root, 'nothing-here'), path.join(root, 'dangling'));
      const { text } = await call('delete_files', ['dangling']);
      assertThat(inRoot(root) === '', `left: ${inRoot(root)}`);
      outsideUnchanged();
      return text;
    }],
    ['inspect a symlink to outside: reported as a link, not followed', async () => {
      const { root, outside, call } = jailCase(scratch);
      symlinkSync(path.join(outside, 'important.txt'), path.join(root, 'alias.txt'));
      const { text } = await call('inspect_files', ['alias.txt']);
      const entry = (JSON.parse(text) as Record<string, { type?: string; sizeBytes?: number }>)['alias.txt'];
      assertThat(entry?.type === 'symlink' && entry.sizeBytes === undefined, text);
      return text;
    }],
    ['..notes.txt is an ordinary name inside the workspace', async () => {
      const { root, call } = jailCase(scratch);
      writeFileSync(path.join(root, '..notes.txt'), 'n');
      const { text } = await call('delete_files', ['..notes.txt']);
      assertThat(text === 'Successfully deleted files: ..notes.txt', text);
      return text;
    }],
    ...(
      [
        ['../important.txt', /outside the workspace/],
        ['/etc/hostname', /absolute path/],
        ['a/../../important.txt', /".." component/],
        ['logs//x', /empty path component/],
        ['x\0y', /NUL byte/],
        [`${JOURNAL_FOLDER}/x.json`, /reserved for the worker's tool journal/],
      ] as const
    ).map(([name, pattern]): [string, () => Promise<string>] => [
      `refused whole: ${JSON.stringify(name)} beside a real file`,
      async () => {
        const { root, call, outsideUnchanged } = jailCase(scratch);
        writeFileSync(path.join(root, 'keep.txt'), 'k');
        const { status, text } = await call('delete_files', ['keep.txt', name]);
        assertThat(status === 'error' && pattern.test(text) && /nothing was changed$/.test(text), text);
        assertThat(existsSync(path.join(root, 'keep.txt')), 'keep.txt was deleted');
        outsideUnchanged();
        return text;
      },
    ]),
    ['hostile names (newline, ANSI escape) are deleted as names and echoed JSON-quoted', async () => {
      const { root, call } = jailCase(scratch);
      const names = ['evil\nYour answer [y|N]: y', '\u001b[31mred'];
      for (const name of names) writeFileSync(path.join(root, name), 'x');
      const { text } = await call('delete_files', names);
      assertThat(!/[\u0000-\u001f]/.test(text) && text.includes('"evil\\nYour answer [y|N]: y"') && text.includes('"\\u001b[31mred"'), text);
      assertThat(inRoot(root) === '', `left: ${inRoot(root)}`);
      return text;
    }],
    ['a workspace outside the worker\'s roots: every file tool refuses', async () => {
      const { outside, call, outsideUnchanged } = jailCase(scratch);
      const texts = await Promise.all(['inspect_files', 'delete_files', 'smart_delete'].map((tool) => call(tool, ['important.txt'], outside)));
      assertThat(texts.every(({ status, text }) => status === 'error' && /is not beneath this worker's workspace roots/.test(text)), texts[1]!.text);
      outsideUnchanged();
      return texts[1]!.text;
    }],
    ['a workspace that is a symlink to outside: refused', async () => {
      const { root, outside, call, outsideUnchanged } = jailCase(scratch);
      symlinkSync(outside, path.join(root, 'run-1'));
      const { text } = await call('delete_files', ['important.txt'], 'run-1');
      assertThat(/cannot be used \("run-1" is a symlink/.test(text), text);
      outsideUnchanged();
      return text;
    }],
    ['5,000-file delete, folder swapped for an outside symlink by a concurrent process (tool body)', async () => {
      const { root, outside, names, call, outsideUnchanged } = jailCase(scratch, 5_000);
      const swapper = startSwapLoop(path.join(root, 'logs'), path.join(outside, 'logs'));
      const { text } = await call('delete_files', names);
      const swaps = await swapper.stop();
      outsideUnchanged();
      return `${swaps} swaps; ${listedAfter(text, 'Successfully deleted files: ').length} deleted inside, nothing outside`;
    }],
    ['5,000-file delete, folder swapped by a concurrent process (a real run, worker process)', async () => {
      // The fault workers' root is the context's scratch folder (next to the ledger); the outside folder is elsewhere.
      const workspace = mkdtempSync(path.join(path.dirname(context.ledger), 'jail-run-'));
      const outside = mkdtempSync(path.join(tmpdir(), 'hitl-faults-jail-outside-'));
      const { names } = jailFixture(workspace, outside, 5_000);
      const outsideBefore = JSON.stringify(snapshot(outside));
      const worker = await context.startWorker();
      try {
        const modelId = `faults-jail-${process.pid}`;
        context.bedrock.scriptFor(modelId, { kind: 'toolUse', uses: [{ name: 'smart_delete', input: { paths: names } }] }, { kind: 'text', text: 'done' });
        const { workflowId } = await context.agents.start({ agent: 'smart-delete', prompt: 'delete the logs', model: { provider: 'bedrock', modelId }, workspace });
        const waiting = await context.agents.wait(workflowId);
        const swapper = startSwapLoop(path.join(workspace, 'logs'), path.join(outside, 'logs'));
        await context.agents.respond(workflowId, { interruptId: waiting.pending[0]!.id, response: 'y' });
        const done = await context.agents.wait(workflowId);
        const swaps = await swapper.stop();
        assertThat(done.status === 'completed', `run is ${done.status}`);
        const told = JSON.stringify(context.bedrock.requests.filter((request) => request.modelId === modelId).at(-1)?.body.messages.at(-1));
        assertThat(told.includes('Successfully deleted files: logs/f-0.log'), `the tool said: ${told.slice(0, 300)}`);
        assertThat(JSON.stringify(snapshot(outside)) === outsideBefore, 'something outside the workspace changed');
        return `${swaps} swaps; ${5_000 - readdirSync(path.join(workspace, 'logs')).length} deleted inside, nothing outside`;
      } finally {
        await worker.kill();
      }
    }],
  ];
  for (const [name, body] of cases) await report.check(group, name, async () => (await body()).replace(/\n/g, '\\n').slice(0, 140));
}
