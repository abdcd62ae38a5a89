/**
 * Which key signs the CLI's answers: `--key FILE`, else `AGENT_APPROVER_KEY` (a path), else the
 * default key file of the `--by` name or the OS user (`keys create` puts it there) when it exists.
 * With a key every answer carries a proof (see src/agent/proof.ts) and `respondedBy` is the key's
 * name; without one the answer goes unsigned, as the OS user (or `--by`).
 */
import { existsSync } from 'node:fs';
import type { InterruptResponse } from '../agent/interrupts.js';
import { ApproverKeyError, defaultKeyFile, readApproverKey, signAnswer, type ApproverKey } from '../sdk/approver-keys.js';
import { CliError } from './errors.js';
import { userName } from './interactive.js';

export interface KeyFlags {
  key?: string;
  by?: string;
}

export interface Signer {
  /** Who the answers say answered: the key's name, or `--by`, or the OS user. */
  readonly respondedBy: string;
  /** Where the key came from, when there is one. */
  readonly keyFile: string | undefined;
  /** The answer as sent to run `runId`: signed when there is a key. */
  sign(runId: string, answer: InterruptResponse): InterruptResponse;
}

export function keyFileFor(flags: KeyFlags, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (flags.key !== undefined) return flags.key;
  if (env.AGENT_APPROVER_KEY) return env.AGENT_APPROVER_KEY;
  const implicit = defaultKeyFile(flags.by ?? userName(), env);
  return existsSync(implicit) ? implicit : undefined;
}

export function signerFor(flags: KeyFlags, env: NodeJS.ProcessEnv = process.env): Signer {
  const keyFile = keyFileFor(flags, env);
  if (keyFile === undefined) {
    const respondedBy = flags.by ?? userName();
    return { respondedBy, keyFile, sign: (_runId, answer) => ({ ...answer, respondedBy }) };
  }
  const key = loadKey(keyFile);
  if (flags.by !== undefined && flags.by !== key.name) {
    throw new CliError(`--by ${flags.by} contradicts the key ${keyFile}, which signs as ${key.name}; drop --by or use that person's key`);
  }
  return { respondedBy: key.name, keyFile, sign: (runId, answer) => signAnswer(runId, answer, key) };
}

function loadKey(file: string): ApproverKey {
  try {
    return readApproverKey(file);
  } catch (error) {
    if (error instanceof ApproverKeyError) throw new CliError(error.message);
    throw error;
  }
}
