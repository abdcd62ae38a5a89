/**
 * Approver keys for tests: a key pair per person, the public-key directory a worker would read from
 * its approvers file, and signing as any of them. `mallory` has a key but is nobody's approver.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { InterruptResponse } from '../../src/agent/interrupts.js';
import { generateApproverKey, signAnswer, writeApproverKey, type ApproverKey } from '../../src/sdk/approver-keys.js';

export const PEOPLE = ['alice', 'bob', 'carol', 'dana', 'ed', 'mallory'] as const;
export type Person = (typeof PEOPLE)[number];

const keys = Object.fromEntries(PEOPLE.map((name) => [name, generateApproverKey(name)])) as Record<Person, ApproverKey>;

/** The public keys by name, as in an approvers file. */
export const approverDirectory: Record<string, string[]> = Object.fromEntries(PEOPLE.map((name) => [name, [keys[name].publicKey]]));

/** `answer` signed by `person` for run `runId`. */
export function signedBy(person: Person, runId: string, answer: Omit<InterruptResponse, 'respondedBy' | 'proof'>, now = new Date()): InterruptResponse {
  return signAnswer(runId, answer, keys[person], now);
}

export function keyOf(person: Person): ApproverKey {
  return keys[person];
}

let files: { approvers: string; keyFile: (person: Person) => string } | undefined;
/** The directory as an approvers file, and each person's private key file (mode 0600), in a temp folder. */
export function approverFiles(): { approvers: string; keyFile: (person: Person) => string } {
  if (files) return files;
  const dir = mkdtempSync(path.join(tmpdir(), 'approvers-'));
  const approvers = path.join(dir, 'approvers.json');
  writeFileSync(approvers, JSON.stringify(approverDirectory));
  for (const person of PEOPLE) writeApproverKey(path.join(dir, `${person}.json`), keys[person]);
  files = { approvers, keyFile: (person) => path.join(dir, `${person}.json`) };
  return files;
}
