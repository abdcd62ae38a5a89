/**
 * Payload encryption keys from the environment: `PAYLOAD_ENCRYPTION_KEY` is the current key (base64,
 * 32 bytes), `PAYLOAD_ENCRYPTION_OLD_KEYS` lists earlier keys (comma-separated) that stay readable
 * after a rotation. A key's id is derived from the key itself, so nobody has to name keys, and the
 * id written beside each payload says which key opens it.
 */
import { createHash } from 'node:crypto';

export interface EncryptionKey {
  id: string;
  key: Buffer;
}

export interface EncryptionKeys {
  /** Every new payload is encrypted with this one. */
  current: EncryptionKey;
  /** The current key and the old ones, by id. */
  byId: ReadonlyMap<string, EncryptionKey>;
}

export class EncryptionKeyError extends Error {
  override name = 'EncryptionKeyError';
}

/** A short public id: the first 8 bytes of SHA-256 over a label and the key (it reveals nothing of the key). */
export function keyId(key: Buffer): string {
  return createHash('sha256').update('hitl-payload-key\0').update(key).digest('hex').slice(0, 16);
}

export function parseKey(text: string, what: string): EncryptionKey {
  const trimmed = text.trim();
  const key = /^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed) ? Buffer.from(trimmed, 'base64') : Buffer.alloc(0);
  if (key.length !== 32) {
    throw new EncryptionKeyError(`${what} must be 32 random bytes in base64 (44 characters; e.g. \`openssl rand -base64 32\`), got ${trimmed.length} characters`);
  }
  return { id: keyId(key), key };
}

/** The keys the environment names, or undefined when `PAYLOAD_ENCRYPTION_KEY` is not set (payloads stay in clear). */
export function encryptionKeysFromEnv(env: NodeJS.ProcessEnv = process.env): EncryptionKeys | undefined {
  const currentText = env.PAYLOAD_ENCRYPTION_KEY?.trim();
  const oldTexts = (env.PAYLOAD_ENCRYPTION_OLD_KEYS ?? '').split(',').map((text) => text.trim()).filter(Boolean);
  if (!currentText) {
    if (oldTexts.length > 0) throw new EncryptionKeyError('PAYLOAD_ENCRYPTION_OLD_KEYS is set but PAYLOAD_ENCRYPTION_KEY is not: set the current key too');
    return undefined;
  }
  return encryptionKeys(
    parseKey(currentText, 'PAYLOAD_ENCRYPTION_KEY'),
    oldTexts.map((text, index) => parseKey(text, `PAYLOAD_ENCRYPTION_OLD_KEYS entry ${index + 1}`)),
  );
}

export function encryptionKeys(current: EncryptionKey, old: readonly EncryptionKey[] = []): EncryptionKeys {
  const byId = new Map<string, EncryptionKey>();
  for (const key of [current, ...old]) byId.set(key.id, key);
  return { current, byId };
}
