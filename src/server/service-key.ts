/**
 * How the web inbox proves who answered. The service holds ONE Ed25519 key (a key file made like
 * `keys create` makes one, mode 0600) and signs each answer with it *under the signed-in person's
 * name* (the proof format of src/agent/proof.ts). The worker trusts it for exactly the people whose
 * entry in the approvers file (`AGENT_APPROVER_KEYS`) lists the service's public key:
 *
 *   {"alice": ["<alice's own key>", "<inbox service key>"], "bob": ["<inbox service key>"]}
 *
 * So the service can answer as alice only if the approvers file says so, a person may keep a key
 * of their own for the CLI beside it, and removing the service key from a name revokes the web
 * inbox's right to answer for that person without touching anyone else.
 */
import { existsSync } from 'node:fs';
import { derivedSessionKey, type SessionKey } from './sessions.js';
import type { InterruptResponse } from '../agent/interrupts.js';
import {
  addToApproverDirectory,
  defaultKeyFile,
  generateApproverKey,
  readApproverDirectory,
  readApproverKey,
  signAnswer,
  writeApproverKey,
  type ApproverKey,
} from '../sdk/approver-keys.js';

export const SERVICE_KEY_NAME = 'inbox-service';

export class ServiceSigner {
  private constructor(private readonly key: ApproverKey) {}

  /** The key in `file` (default: `inbox-service.json` in the keys folder), created on first use. */
  static load(file: string = defaultKeyFile(SERVICE_KEY_NAME)): { signer: ServiceSigner; created: boolean; file: string } {
    const created = !existsSync(file);
    if (created) writeApproverKey(file, generateApproverKey(SERVICE_KEY_NAME));
    return { signer: new ServiceSigner(readApproverKey(file)), created, file };
  }

  get publicKey(): string {
    return this.key.publicKey;
  }

  /**
   * The key that seals session cookies when none is configured (INBOX_SESSION_KEY): derived with
   * HKDF from this private key, so every replica that shares the service key shares it too, and a
   * new service key signs everyone out.
   */
  sessionKey(): SessionKey {
    return derivedSessionKey(Buffer.from(this.key.privateKey, 'hex'));
  }

  /** The answer, signed for run `runId` as given by `person`. */
  sign(runId: string, person: string, answer: InterruptResponse): InterruptResponse {
    return signAnswer(runId, answer, { ...this.key, name: person });
  }

  /** The people under whose names the approvers file does not list the service key. */
  unlisted(approversFile: string, people: readonly string[]): string[] {
    const directory = readApproverDirectory(approversFile);
    return people.filter((person) => !(directory[person] ?? []).includes(this.key.publicKey));
  }

  /** Lists the service key under each name in the approvers file; returns the names that were added. */
  register(approversFile: string, people: readonly string[]): string[] {
    const added = this.unlisted(approversFile, people);
    for (const person of added) addToApproverDirectory(approversFile, person, this.key.publicKey);
    return added;
  }
}
