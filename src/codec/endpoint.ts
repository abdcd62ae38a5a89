/**
 * The `/codec` endpoint as `serve` mounts it, configured from the environment: the keys
 * (`PAYLOAD_ENCRYPTION_KEY`, `PAYLOAD_ENCRYPTION_OLD_KEYS`), an optional bearer token for the
 * Temporal CLI (`CODEC_AUTH_TOKEN`) and the Web UI origins allowed to call it (`CODEC_CORS_ORIGINS`,
 * comma-separated; default: pages on localhost). Without keys it says so instead of passing
 * payloads through.
 */
import { Hono, type Context } from 'hono';
import { codecRoutes } from './codec-routes.js';
import { EncryptionCodec } from './encryption-codec.js';
import { encryptionKeysFromEnv } from './keys.js';

export function codecEndpoint(signedIn: (c: Context) => boolean | Promise<boolean>, env: NodeJS.ProcessEnv = process.env): Hono {
  const keys = encryptionKeysFromEnv(env);
  if (!keys) {
    const off = new Hono();
    off.all('*', (c) => c.json({ error: 'payload encryption is off here (PAYLOAD_ENCRYPTION_KEY is not set): nothing to decode' }, 404));
    return off;
  }
  const origins = (env.CODEC_CORS_ORIGINS ?? '').split(',').map((origin) => origin.trim()).filter(Boolean);
  return codecRoutes({
    codec: new EncryptionCodec(keys),
    signedIn,
    ...(env.CODEC_AUTH_TOKEN ? { token: env.CODEC_AUTH_TOKEN } : {}),
    ...(origins.length > 0 ? { allowedOrigins: origins } : {}),
  });
}
