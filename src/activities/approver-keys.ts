/**
 * Reads approvers' public keys from the worker's approvers file (`AGENT_APPROVER_KEYS`), for runs
 * that ask people who must prove who they are. Read on every call: rotating or revoking a key is an
 * edit of the file, with no restart. The keys a run gets are recorded in its history, so replay
 * sees the same keys.
 */
import { readApproverDirectory, type ApproverDirectory } from '../sdk/approver-keys.js';

export function createApproverKeysActivity(file: string | undefined = process.env.AGENT_APPROVER_KEYS || undefined) {
  return async function approverKeys(names: string[] | null): Promise<ApproverDirectory> {
    const directory = readApproverDirectory(file);
    if (names === null) return directory;
    return Object.fromEntries(names.map((name) => [name, directory[name] ?? []]));
  };
}
