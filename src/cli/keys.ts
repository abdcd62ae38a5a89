/**
 * `keys create` and `keys show`: approver key pairs. The private key file stays with the approver
 * (mode 0600); the public key goes into the worker's approvers file (`AGENT_APPROVER_KEYS`).
 */
import { nameProblem } from '../agent/names.js';
import { addToApproverDirectory, ApproverKeyError, defaultKeyFile, generateApproverKey, readApproverKey, writeApproverKey } from '../sdk/approver-keys.js';
import { CliError } from './errors.js';
import { outputFor, type JsonFlag } from './output.js';

export interface KeysCreateFlags extends JsonFlag {
  out?: string;
  approvers?: string;
}

/** An approver name is also a file name (`<name>.json` in the keys folder). */
export function approverNameProblem(name: string): string | undefined {
  return nameProblem('approver name', name) ?? (/[\\/]/.test(name) || name.startsWith('.') ? `the approver name "${name}" may not contain / or \\ or start with "."` : undefined);
}

export async function keysCreateCommand(name: string, flags: KeysCreateFlags): Promise<void> {
  const problem = approverNameProblem(name);
  if (problem) throw new CliError(problem);
  const file = flags.out ?? defaultKeyFile(name);
  const key = generateApproverKey(name);
  keyErrors(() => writeApproverKey(file, key));
  if (flags.approvers !== undefined) keyErrors(() => addToApproverDirectory(flags.approvers!, name, key.publicKey));
  const entry = `${JSON.stringify(name)}: [${JSON.stringify(key.publicKey)}]`;
  outputFor(flags).emit({ name, keyFile: file, publicKey: key.publicKey, ...(flags.approvers !== undefined ? { approversFile: flags.approvers } : {}) }, [
    `created ${name}'s private key in ${file} (readable by you only; it signs every answer ${name} gives)`,
    `public key: ${key.publicKey}`,
    flags.approvers !== undefined
      ? `added to the approvers file ${flags.approvers}; point the worker's AGENT_APPROVER_KEYS at it`
      : "add this entry to the worker's approvers file (the JSON object that AGENT_APPROVER_KEYS names):",
    ...(flags.approvers !== undefined ? [] : [`  ${entry}`]),
  ]);
}

export async function keysShowCommand(file: string, flags: JsonFlag): Promise<void> {
  const key = keyErrors(() => readApproverKey(file));
  outputFor(flags).emit({ name: key.name, publicKey: key.publicKey, keyFile: file }, [`${key.name}: ${key.publicKey}`]);
}

function keyErrors<T>(body: () => T): T {
  try {
    return body();
  } catch (error) {
    if (error instanceof ApproverKeyError) throw new CliError(error.message);
    throw new CliError((error as Error).message);
  }
}
