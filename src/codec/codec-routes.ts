/**
 * Temporal's codec server protocol as a hono app, for `serve` to mount under `/codec`:
 *
 *   POST /encode, POST /decode   {"payloads":[{"metadata":{"encoding":"<base64>"},"data":"<base64>"}]} -> the same shape
 *
 * The Temporal Web UI (its codec endpoint setting) and `temporal ... --codec-endpoint URL/codec`
 * call it. Browsers on the allowed origins get CORS answers (credentials included, so the inbox's
 * sign-in cookie comes along). Every POST must be authorized: signed in to the inbox, or a bearer
 * token (`CODEC_AUTH_TOKEN`, for the Temporal CLI's `--codec-auth "Bearer TOKEN"`), unless the
 * caller says it is dev mode.
 */
import { timingSafeEqual } from 'node:crypto';
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { Payload, PayloadCodec } from '@temporalio/common';

export interface CodecRoutesOptions {
  codec: PayloadCodec;
  /** Whether the request comes from someone signed in (the inbox's session check); dev mode answers true. */
  signedIn(c: Context): boolean | Promise<boolean>;
  /** A bearer token that also authorizes (for the Temporal CLI). */
  token?: string;
  /** Origins whose pages may call the endpoint (the Web UI's); default: any page on localhost / 127.0.0.1. */
  allowedOrigins?: readonly string[];
}

interface WirePayload {
  metadata?: Record<string, string>;
  data?: string;
}

const MAX_BODY_BYTES = 8 * 1024 * 1024;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const LOOPBACK_ORIGIN = /^https?:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$/;

export function codecRoutes(options: CodecRoutesOptions): Hono {
  const app = new Hono();
  const originAllowed = (origin: string) => (options.allowedOrigins ? options.allowedOrigins.includes(origin) : LOOPBACK_ORIGIN.test(origin));

  app.use('*', async (c, next) => {
    const origin = c.req.header('origin');
    if (origin !== undefined && !originAllowed(origin)) return c.json({ error: `origin ${origin} may not use this codec endpoint (CODEC_CORS_ORIGINS)` }, 403);
    if (origin !== undefined) {
      c.header('access-control-allow-origin', origin);
      c.header('access-control-allow-credentials', 'true');
      c.header('vary', 'origin');
    }
    if (c.req.method === 'OPTIONS') {
      c.header('access-control-allow-methods', 'POST, OPTIONS');
      c.header('access-control-allow-headers', 'content-type, x-namespace, authorization');
      c.header('access-control-max-age', '600');
      return c.body(null, 204);
    }
    return next();
  });
  app.use('*', bodyLimit({ maxSize: MAX_BODY_BYTES, onError: (c) => c.json({ error: 'request too large' }, 413, { connection: 'close' }) }));
  app.use('*', async (c, next) => {
    if (tokenMatches(options.token, c.req.header('authorization')) || (await options.signedIn(c))) return next();
    return c.json({ error: 'sign in to the inbox first, or send Authorization: Bearer <CODEC_AUTH_TOKEN>' }, 401);
  });

  for (const direction of ['encode', 'decode'] as const) {
    app.post(`/${direction}`, async (c) => {
      const payloads = wirePayloads(await c.req.json().catch(() => undefined));
      if (typeof payloads === 'string') return c.json({ error: payloads }, 400);
      try {
        const done = await options.codec[direction](payloads.map(fromWire));
        return c.json({ payloads: done.map(toWire) });
      } catch (error) {
        return c.json({ error: `could not ${direction}: ${(error as Error).message}` }, 422);
      }
    });
  }
  app.notFound((c) => c.json({ error: 'not found: POST /encode or /decode' }, 404));
  return app;
}

function tokenMatches(token: string | undefined, header: string | undefined): boolean {
  if (!token || !header) return false;
  const sent = Buffer.from(header.replace(/^Bearer\s+/i, ''));
  const expected = Buffer.from(token);
  return sent.length === expected.length && timingSafeEqual(sent, expected);
}

/** The request's payloads, or what is wrong with it. */
function wirePayloads(body: unknown): WirePayload[] | string {
  const payloads = (body as { payloads?: unknown } | undefined)?.payloads;
  if (!Array.isArray(payloads)) return 'send JSON {"payloads": [{"metadata": {...}, "data": "<base64>"}]}';
  for (const [index, payload] of payloads.entries()) {
    const { metadata, data } = (payload ?? {}) as WirePayload;
    const values = [...Object.values(metadata ?? {}), data ?? ''];
    if (typeof payload !== 'object' || payload === null || (metadata !== undefined && (typeof metadata !== 'object' || metadata === null)) || values.some((value) => typeof value !== 'string' || !BASE64.test(value))) {
      return `payload ${index} is not {"metadata": {name: base64}, "data": base64}`;
    }
  }
  return payloads as WirePayload[];
}

function fromWire(payload: WirePayload): Payload {
  return {
    metadata: Object.fromEntries(Object.entries(payload.metadata ?? {}).map(([name, value]) => [name, Buffer.from(value, 'base64')])),
    data: Buffer.from(payload.data ?? '', 'base64'),
  };
}

function toWire(payload: Payload): WirePayload {
  return {
    metadata: Object.fromEntries(Object.entries(payload.metadata ?? {}).map(([name, value]) => [name, Buffer.from(value ?? new Uint8Array()).toString('base64')])),
    data: Buffer.from(payload.data ?? new Uint8Array()).toString('base64'),
  };
}
