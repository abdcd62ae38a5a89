/**
 * Approver keys on disk (Node side of proof.ts). An approver holds a private key file; the worker
 * holds the approvers file of public keys (`AGENT_APPROVER_KEYS`), which the runs read through an
 * activity when they ask people who must prove who they are.
 *
 *   private key file (mode 0600): {"name":"alice","privateKey":"<hex>","publicKey":"<hex>"}
 *   approvers file:               {"alice":["<hex public key>", ...], "bob":[...]}
 *
 * Rotation: add the new public key beside the old one, hand out the new private key, then remove
 * the old public key. Revocation: remove the key (or the name) from the approvers file; runs read
 * the file each time they ask, so no restart is needed.
 */
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ed25519 } from '@noble/curves/ed25519.js';
import { bytesToHex, hexToBytes } from '@noble/curves/utils.js';
import type { InterruptResponse } from '../agent/interrupts.js';
import { proofMessage, signedFieldsOf, type AnswerProof } from '../agent/proof.js';

export interface ApproverKey {
  name: string;
  privateKey: string;
  publicKey: string;
}

/** Public keys by approver name. */
export type ApproverDirectory = Record<string, string[]>;

export class ApproverKeyError extends Error {
  override name = 'ApproverKeyError';
}

/** Where `keys create` puts private keys and where answers look for them: `$AGENT_KEYS_DIR`, else ~/.config/durable-hitl-agents/keys. */
export function defaultKeysDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.AGENT_KEYS_DIR || path.join(env.XDG_CONFIG_HOME || path.join(os.homedir(), '.config'), 'durable-hitl-agents', 'keys');
}

export function defaultKeyFile(name: string, env: NodeJS.ProcessEnv = process.env): string {
  return path.join(defaultKeysDir(env), `${name}.json`);
}

export function generateApproverKey(name: string): ApproverKey {
  const secret = ed25519.utils.randomSecretKey();
  return { name, privateKey: bytesToHex(secret), publicKey: bytesToHex(ed25519.getPublicKey(secret)) };
}

/** Writes a private key file readable by its owner only; refuses to overwrite one. */
export function writeApproverKey(file: string, key: ApproverKey): void {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  try {
    writeFileSync(file, `${JSON.stringify(key)}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new ApproverKeyError(`${file} exists already; remove it first or choose another --out`);
    throw error;
  }
  chmodSync(file, 0o600);
}

export function readApproverKey(file: string): ApproverKey {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ApproverKeyError(`cannot read the key file ${file}: ${(error as Error).message}`);
  }
  // Like ssh: a private key that others can read is refused.
  if (process.platform !== 'win32' && (statSync(file).mode & 0o077) !== 0) {
    throw new ApproverKeyError(`the key file ${file} is readable by other users; run chmod 600 ${file}`);
  }
  const key = safeJson(text) as Partial<ApproverKey> | undefined;
  if (!key || typeof key.name !== 'string' || !/^[0-9a-f]{64}$/.test(key.privateKey ?? '')) {
    throw new ApproverKeyError(`${file} is not an approver key file (made by the keys create command)`);
  }
  const publicKey = bytesToHex(ed25519.getPublicKey(hexToBytes(key.privateKey!)));
  return { name: key.name, privateKey: key.privateKey!, publicKey };
}

/** The answer with a proof that `key.name` gave it, for run `runId`. */
export function signAnswer(runId: string, answer: InterruptResponse, key: ApproverKey, now = new Date()): InterruptResponse {
  const signed = { ...answer, respondedBy: key.name };
  const proof: AnswerProof = { signedAt: now.toISOString(), signature: '' };
  const message = proofMessage(signedFieldsOf(runId, { ...signed, proof }));
  proof.signature = bytesToHex(ed25519.sign(message, hexToBytes(key.privateKey)));
  return { ...signed, proof };
}

/** Reads the approvers file; a missing file is an empty directory, a malformed one an error. */
export function readApproverDirectory(file: string | undefined): ApproverDirectory {
  if (!file) return {};
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new ApproverKeyError(`cannot read the approvers file ${file}: ${(error as Error).message}`);
  }
  const parsed = safeJson(text);
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new ApproverKeyError(`${file} must be a JSON object {"name": ["<hex public key>", ...]}`);
  const directory: ApproverDirectory = {};
  for (const [name, keys] of Object.entries(parsed as Record<string, unknown>)) {
    const list = Array.isArray(keys) ? keys : [keys];
    directory[name] = list.filter((key): key is string => typeof key === 'string' && /^[0-9a-f]{64}$/.test(key));
  }
  return directory;
}

/** Adds a public key to an approvers file (created when missing). */
export function addToApproverDirectory(file: string, name: string, publicKey: string): ApproverDirectory {
  const directory = readApproverDirectory(file);
  directory[name] = [...new Set([...(directory[name] ?? []), publicKey])];
  mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  writeFileSync(file, `${JSON.stringify(directory, null, 2)}\n`);
  return directory;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
