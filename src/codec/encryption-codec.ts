/**
 * The payload codec: every payload is encrypted with AES-256-GCM under the current key, and one
 * larger than `compressAbove` bytes is deflated first (when that makes it smaller). The payload's
 * whole protobuf (its metadata included, so even the encoding name is hidden) becomes the
 * ciphertext; the outer metadata says only how to open it:
 *
 *   encoding: binary/encrypted   encryption-cipher: AES256-GCM   encryption-key-id: <id>
 *   encryption-compression: deflate   (only when compressed)
 *
 * data = 12-byte IV ‖ ciphertext ‖ 16-byte tag; the key id and compression flag are authenticated
 * too (additional data), so nobody can relabel a payload. Payloads that are not encrypted pass
 * through decode unchanged: histories written before encryption was switched on stay readable.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { Payload, PayloadCodec } from '@temporalio/common';
import proto from '@temporalio/proto';
import type { EncryptionKeys } from './keys.js';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
const CIPHER = 'AES256-GCM';
const KEY_ID = 'encryption-key-id';
const COMPRESSION = 'encryption-compression';
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** Payloads this large or larger are worth deflating (a run's conversation, tool output). */
export const DEFAULT_COMPRESS_ABOVE = 1024;
/** An inflated payload may not exceed this (a deflate bomb cannot exhaust memory): Temporal's own limit is far below it. */
const MAX_INFLATED_BYTES = 64 * 1024 * 1024;

const utf8 = (text: string) => new TextEncoder().encode(text);
const text = (bytes: Uint8Array | null | undefined) => (bytes ? Buffer.from(bytes).toString('utf8') : undefined);

export class PayloadDecodeError extends Error {
  override name = 'PayloadDecodeError';
}

export class EncryptionCodec implements PayloadCodec {
  constructor(
    private readonly keys: EncryptionKeys,
    private readonly compressAbove = DEFAULT_COMPRESS_ABOVE,
  ) {}

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => this.encodeOne(payload));
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => this.decodeOne(payload));
  }

  private encodeOne(payload: Payload): Payload {
    const plain = proto.temporal.api.common.v1.Payload.encode(payload).finish();
    const deflated = plain.length >= this.compressAbove ? deflateRawSync(plain) : undefined;
    const compressed = deflated !== undefined && deflated.length < plain.length;
    const { id, key } = this.keys.current;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(additionalData(id, compressed));
    const sealed = Buffer.concat([iv, cipher.update(compressed ? deflated : plain), cipher.final(), cipher.getAuthTag()]);
    return {
      metadata: {
        encoding: utf8(ENCRYPTED_ENCODING),
        'encryption-cipher': utf8(CIPHER),
        [KEY_ID]: utf8(id),
        ...(compressed ? { [COMPRESSION]: utf8('deflate') } : {}),
      },
      data: sealed,
    };
  }

  private decodeOne(payload: Payload): Payload {
    if (text(payload.metadata?.encoding) !== ENCRYPTED_ENCODING) return payload;
    const id = text(payload.metadata?.[KEY_ID]) ?? '';
    const key = this.keys.byId.get(id);
    if (!key) {
      throw new PayloadDecodeError(
        `a payload is encrypted with key id ${JSON.stringify(id)}, which is neither PAYLOAD_ENCRYPTION_KEY nor in PAYLOAD_ENCRYPTION_OLD_KEYS (known: ${[...this.keys.byId.keys()].join(', ')})`,
      );
    }
    const compressed = text(payload.metadata?.[COMPRESSION]) === 'deflate';
    const data = Buffer.from(payload.data ?? new Uint8Array());
    if (data.length < IV_BYTES + TAG_BYTES) throw new PayloadDecodeError('an encrypted payload is too short to be one');
    let opened: Buffer;
    try {
      const decipher = createDecipheriv('aes-256-gcm', key.key, data.subarray(0, IV_BYTES));
      decipher.setAAD(additionalData(id, compressed));
      decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
      opened = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
    } catch {
      throw new PayloadDecodeError(`an encrypted payload (key id ${id}) does not authenticate: it was altered, or the key with this id is not the one it was sealed with`);
    }
    const plain = compressed ? inflateRawSync(opened, { maxOutputLength: MAX_INFLATED_BYTES }) : opened;
    return proto.temporal.api.common.v1.Payload.decode(plain);
  }
}

function additionalData(keyId: string, compressed: boolean): Buffer {
  return Buffer.from(`${CIPHER}\0${keyId}\0${compressed ? 'deflate' : ''}`);
}
