/**
 * The data converter that worker, CLI, client library and tests share: the encryption codec when
 * keys are configured, and failures whose messages travel as (encrypted) payloads.
 */
import type { DataConverter } from '@temporalio/common';
import { ownModule } from '../temporal/workflow-entry.js';
import { EncryptionCodec } from './encryption-codec.js';
import { encryptionKeysFromEnv, type EncryptionKeys } from './keys.js';

/** For `failureConverterPath` (workers) and `bundleWorkflowCode({ failureConverterPath })` (prebuilt bundles). */
export const FAILURE_CONVERTER_PATH = ownModule(import.meta.url, './failure-converter');

/** The worker's converter: failures always encode their messages; payloads are encrypted with `keys`, if given. */
export function workerDataConverter(keys: EncryptionKeys | undefined): DataConverter {
  return { failureConverterPath: FAILURE_CONVERTER_PATH, ...(keys ? { payloadCodecs: [new EncryptionCodec(keys)] } : {}) };
}

/** A client's converter: the encryption codec when `keys` are given, else the default (undefined). */
export function clientDataConverter(keys: EncryptionKeys | undefined): DataConverter | undefined {
  return keys ? { payloadCodecs: [new EncryptionCodec(keys)] } : undefined;
}

/** A client's converter from `PAYLOAD_ENCRYPTION_KEY` / `PAYLOAD_ENCRYPTION_OLD_KEYS`. */
export function clientDataConverterFromEnv(env: NodeJS.ProcessEnv = process.env): DataConverter | undefined {
  return clientDataConverter(encryptionKeysFromEnv(env));
}
