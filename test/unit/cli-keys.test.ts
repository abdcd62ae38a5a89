/** `keys create` / `keys show` and the key that signs the CLI's answers (src/cli/keys.ts, src/cli/signing.ts). */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { proofProblem } from '../../src/agent/proof.js';
import { approverNameProblem, keysCreateCommand, keysShowCommand } from '../../src/cli/keys.js';
import { keyFileFor, signerFor } from '../../src/cli/signing.js';
import { defaultKeyFile, readApproverDirectory } from '../../src/sdk/approver-keys.js';

const dir = mkdtempSync(path.join(tmpdir(), 'keys-'));
const env = { AGENT_KEYS_DIR: path.join(dir, 'keys') };
const saved = process.env.AGENT_KEYS_DIR;
let printed = '';
const write = process.stdout.write.bind(process.stdout);

/** Runs a command with its stdout captured. */
async function capture(body: () => Promise<void>): Promise<string> {
  printed = '';
  process.stdout.write = ((chunk: string) => ((printed += chunk), true)) as typeof process.stdout.write;
  try {
    await body();
  } finally {
    process.stdout.write = write;
  }
  return printed;
}

before(() => {
  process.env.AGENT_KEYS_DIR = env.AGENT_KEYS_DIR;
});
after(() => {
  if (saved === undefined) delete process.env.AGENT_KEYS_DIR;
  else process.env.AGENT_KEYS_DIR = saved;
});

test('keys create writes a private key only its owner can read, and prints the approvers entry', async () => {
  const text = await capture(() => keysCreateCommand('alice', {}));
  const file = defaultKeyFile('alice', env);
  assert.equal(statSync(file).mode & 0o777, 0o600);
  const { publicKey } = JSON.parse(readFileSync(file, 'utf8')) as { publicKey: string };
  assert.match(text, new RegExp(`"alice": \\["${publicKey}"\\]`));
  assert.doesNotMatch(text, /privateKey/);
  const shown = JSON.parse(await capture(() => keysShowCommand(file, { json: true }))) as Record<string, string>;
  assert.deepEqual(shown, { name: 'alice', publicKey, keyFile: file });
  await assert.rejects(keysCreateCommand('alice', {}), /exists already/);
});

test('keys create --approvers adds the public key to the approvers file', async () => {
  const approvers = path.join(dir, 'approvers.json');
  const bob = path.join(dir, 'bob.json');
  const output = JSON.parse(await capture(() => keysCreateCommand('bob', { out: bob, approvers, json: true }))) as { publicKey: string };
  assert.deepEqual(readApproverDirectory(approvers), { bob: [output.publicKey] });
});

test('approver names that are not plain words are refused', async () => {
  assert.match(approverNameProblem('../evil')!, /may not contain/);
  assert.match(approverNameProblem('-rf')!, /starts with "-"/);
  assert.match(approverNameProblem('a\nb')!, /control character/);
  await assert.rejects(keysCreateCommand('a\x1b[31m', {}), /control character/);
});

test('answers are signed with --key, AGENT_APPROVER_KEY or the default key, as the key names', async () => {
  const carol = path.join(dir, 'carol.json');
  await capture(() => keysCreateCommand('carol', { out: carol }));
  assert.equal(keyFileFor({ key: carol }, env), carol);
  assert.equal(keyFileFor({}, { ...env, AGENT_APPROVER_KEY: carol }), carol);
  assert.equal(keyFileFor({ by: 'alice' }, env), defaultKeyFile('alice', env), 'the --by name finds its default key');
  assert.equal(keyFileFor({ by: 'nobody' }, env), undefined);

  const signer = signerFor({ key: carol }, env);
  assert.equal(signer.respondedBy, 'carol');
  const signed = signer.sign('run-1', { interruptId: 'i1', response: 'y', reason: 'fine' });
  assert.equal(signed.respondedBy, 'carol');
  const { publicKey } = JSON.parse(readFileSync(carol, 'utf8')) as { publicKey: string };
  assert.equal(proofProblem('run-1', signed, [publicKey], new Date()), undefined);
  assert.equal(proofProblem('run-2', signed, [publicKey], new Date()), 'the signature does not verify for this answer', 'bound to its run');

  assert.throws(() => signerFor({ key: carol, by: 'dave' }, env), /--by dave contradicts the key .*carol/);
  assert.equal(signerFor({ key: carol, by: 'carol' }, env).respondedBy, 'carol');
});

test('without a key the answer goes unsigned as --by', () => {
  const signer = signerFor({ by: 'nobody' }, env);
  const answer = signer.sign('run-1', { interruptId: 'i1', response: 'n' });
  assert.deepEqual(answer, { interruptId: 'i1', response: 'n', respondedBy: 'nobody' });
});

test('a key file that others can read, or that is no key, is refused', async () => {
  const { chmodSync, writeFileSync } = await import('node:fs');
  const open = path.join(dir, 'open.json');
  await capture(() => keysCreateCommand('erin', { out: open }));
  chmodSync(open, 0o644);
  assert.throws(() => signerFor({ key: open }, env), /readable by other users/);
  const junk = path.join(dir, 'junk.json');
  writeFileSync(junk, '{}', { mode: 0o600 });
  assert.throws(() => signerFor({ key: junk }, env), /not an approver key file/);
});
