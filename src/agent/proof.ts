/**
 * Proof of who answered: an Ed25519 signature over the answer's binding (the run, its execution,
 * the question and digests of the call and the question as shown; see binding.ts), the answer,
 * the responder and the time of signing. Answers to runs from before bindings sign the run's
 * workflow id and the question's id instead (version 1). Verified inside the workflow (the update validator and the
 * signal path) against public keys that come from the worker's configuration, never from the
 * answer. Pure and deterministic (noble's Ed25519 verification is synchronous JS), so it runs in
 * the workflow sandbox and replays identically.
 *
 * Keys and signatures travel as lowercase hex (no Buffer or atob in the sandbox).
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { hexToBytes } from '@noble/curves/utils.js';
import { bindingParts, type AnswerBinding } from './binding.js';
import { canonicalJson } from './canonical-json.js';
import type { InterruptResponse } from './interrupts.js';
import type { JsonValue } from './types.js';

export interface AnswerProof {
  /** ISO time at which the answer was signed. */
  signedAt: string;
  /** Ed25519 signature (hex) of `proofMessage(...)`. */
  signature: string;
}

/** What a signature covers. */
export interface SignedFields {
  /** The run's workflow id. */
  runId: string;
  interruptId: string;
  response: JsonValue;
  respondedBy: string;
  reason?: string;
  signedAt: string;
  /** The question's binding, when the answer carries one (version 2). */
  binding?: AnswerBinding;
}

/** A signed answer is accepted this long before or after the run's clock (clock skew, slow delivery). */
export const PROOF_MAX_AGE_MS = 15 * 60_000;

const DOMAIN_V1 = 'durable-hitl-agents answer v1\n';
const DOMAIN_V2 = 'durable-hitl-agents answer v2\n';

/** The exact bytes that are signed: a domain tag, then the fields as canonical JSON (sorted keys). */
export function proofMessage(fields: SignedFields): Uint8Array {
  const { reason, binding, ...rest } = fields;
  const signed = { ...rest, ...(reason !== undefined ? { reason } : {}), ...(binding !== undefined ? { binding: bindingParts(binding) } : {}) };
  return new TextEncoder().encode((binding !== undefined ? DOMAIN_V2 : DOMAIN_V1) + canonicalJson(signed));
}

export function signedFieldsOf(runId: string, answer: InterruptResponse & { proof: AnswerProof }): SignedFields {
  return {
    runId,
    interruptId: answer.interruptId,
    response: answer.response,
    respondedBy: answer.respondedBy ?? '',
    ...(answer.reason !== undefined ? { reason: answer.reason } : {}),
    signedAt: answer.proof.signedAt,
    ...(answer.binding !== undefined ? { binding: answer.binding } : {}),
  };
}

/**
 * Why the answer's proof does not hold, or undefined when it does: signed by one of `publicKeys`
 * (the responder's keys from configuration) over exactly this run, interrupt and answer, recently.
 */
export function proofProblem(runId: string, answer: InterruptResponse, publicKeys: readonly string[], now: Date): string | undefined {
  const proof = answer.proof;
  if (!proof || typeof proof !== 'object') return 'the answer carries no proof of who gave it';
  if (typeof proof.signature !== 'string' || !/^[0-9a-f]{128}$/.test(proof.signature)) return 'the proof signature is not 64 bytes of hex';
  const signedAt = typeof proof.signedAt === 'string' ? Date.parse(proof.signedAt) : NaN;
  if (!Number.isFinite(signedAt)) return 'the proof has no valid signedAt time';
  if (Math.abs(now.getTime() - signedAt) > PROOF_MAX_AGE_MS) {
    return `the proof was signed at ${proof.signedAt}, more than ${PROOF_MAX_AGE_MS / 60_000} minutes from the run's time ${now.toISOString()}; sign the answer again`;
  }
  if (typeof answer.respondedBy !== 'string' || answer.respondedBy === '') return 'a signed answer must say who signed it (respondedBy)';
  const message = proofMessage(signedFieldsOf(runId, answer as InterruptResponse & { proof: AnswerProof }));
  const signature = hexToBytes(proof.signature);
  for (const key of publicKeys) {
    if (!/^[0-9a-f]{64}$/.test(key)) continue;
    try {
      if (ed25519.verify(signature, message, hexToBytes(key))) return undefined;
    } catch {
      // A malformed key or signature point: not a valid proof, try the next key.
    }
  }
  // Deliberately says nothing about which names have keys.
  return 'the signature does not verify for this answer';
}
