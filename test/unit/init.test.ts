/** `hitl init`'s merging and refusals: it overwrites nothing without --force, and keeps what is the project's own. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseScript } from '../../src/agent/scripted-turns.js';
import { initProject } from '../../src/cli/init.js';
import { AGENT_FILES, INIT_SCRIPT_FILE, INIT_SCRIPTS } from '../../src/cli/init-templates.js';

const OWN = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };

function project(manifest: object | undefined, files: Record<string, string> = {}): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'hitl-init-unit-'));
  if (manifest) writeFileSync(path.join(dir, 'package.json'), JSON.stringify(manifest, null, 2));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

const read = (dir: string, file: string) => readFileSync(path.join(dir, file), 'utf8');
const manifestOf = (dir: string) => JSON.parse(read(dir, 'package.json'));

function refusal(act: () => unknown): string {
  try {
    act();
  } catch (error) {
    return (error as Error).message;
  }
  return assert.fail('expected a refusal');
}

describe('hitl init', () => {
  it("fills a fresh `npm init -y` project: files, scripts, type module, pinned packages", () => {
    const dir = project({ name: 'shop', version: '1.0.0', main: 'index.js', scripts: { test: 'echo "Error: no test specified" && exit 1' }, type: 'commonjs' });
    const report = initProject({ dir });
    assert.deepEqual(report.created, [...AGENT_FILES.map((file) => file.path), 'tsconfig.json', '.gitignore']);
    const manifest = manifestOf(dir);
    assert.equal(manifest.type, 'module');
    assert.deepEqual(manifest.scripts, INIT_SCRIPTS);
    assert.deepEqual(manifest.dependencies, { 'durable-hitl-agents': '^0.1.0', '@temporalio/worker': OWN.dependencies['@temporalio/worker'], zod: OWN.dependencies['zod'] });
    assert.deepEqual(manifest.devDependencies, { typescript: OWN.devDependencies['typescript'], '@types/node': OWN.devDependencies['@types/node'] });
    assert.equal(JSON.parse(read(dir, 'tsconfig.json')).compilerOptions.strict, true);
    assert.equal(JSON.parse(read(dir, 'tsconfig.json')).compilerOptions.module, 'NodeNext');
    assert.deepEqual(report.next, ['npm install', 'npm test', 'npx hitl dev', 'npm run worker', 'npm start', 'npx hitl approve RUN']);
    // The start script's model file is a valid script.
    assert.equal(parseScript(read(dir, INIT_SCRIPT_FILE)).length, 2);
  });

  it("keeps the project's own scripts, dependency versions and tsconfig.json, and says so", () => {
    const tsconfig = '{ "compilerOptions": { "module": "NodeNext", "outDir": "dist" } }';
    const dir = project(
      { name: 'app', type: 'module', scripts: { test: 'vitest', build: 'tsc' }, dependencies: { 'durable-hitl-agents': 'file:../x.tgz', zod: '^4.0.0' }, devDependencies: { typescript: '^5.4.0' } },
      { 'tsconfig.json': tsconfig },
    );
    const report = initProject({ dir });
    assert.deepEqual(report.kept, ['tsconfig.json']);
    assert.deepEqual(report.packageJson.keptScripts, ['test']);
    assert.equal(read(dir, 'tsconfig.json'), tsconfig);
    const manifest = manifestOf(dir);
    assert.deepEqual(manifest.scripts, { test: 'vitest', build: 'tsc', worker: INIT_SCRIPTS['worker'], start: INIT_SCRIPTS['start'] });
    assert.equal(manifest.dependencies['durable-hitl-agents'], 'file:../x.tgz');
    assert.equal(manifest.dependencies.zod, '^4.0.0');
    assert.equal(manifest.devDependencies.typescript, '^5.4.0');
    assert.equal(report.next[1], 'npx tsc && node --test dist/*.test.js', 'how to run the test without the kept script');
  });

  it('refuses to overwrite a file, naming it, and writes nothing; --force overwrites', () => {
    const dir = project({ name: 'app' }, { 'src/tools.ts': 'mine' });
    const before = read(dir, 'package.json');
    assert.match(refusal(() => initProject({ dir })), /^src\/tools\.ts exists already; hitl init wrote nothing \(hitl init --force overwrites it\)$/);
    assert.equal(read(dir, 'src/tools.ts'), 'mine');
    assert.equal(read(dir, 'package.json'), before);
    assert.equal(existsSync(path.join(dir, 'src', 'agents.ts')), false);
    initProject({ dir, force: true });
    assert.match(read(dir, 'src/tools.ts'), /implementTool\(issueRefund/);
  });

  it('refuses a CommonJS project with JavaScript of its own, and a folder without package.json', () => {
    const dir = project({ name: 'app', type: 'commonjs' }, { 'index.js': 'module.exports = 1' });
    assert.match(refusal(() => initProject({ dir })), /package\.json says "type": "commonjs" and the project has JavaScript files \(index\.js\).*--force sets "type": "module"/);
    assert.equal(existsSync(path.join(dir, 'src')), false);
    assert.match(refusal(() => initProject({ dir: project(undefined) })), /no package\.json in .*: run hitl init in your project's folder/);
  });
});
