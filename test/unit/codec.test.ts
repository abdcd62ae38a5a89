import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { codecRoutes } from '../../src/codec/codec-routes.js';
import { EncryptionCodec, ENCRYPTED_ENCODING, PayloadDecodeError } from '../../src/codec/encryption-codec.js';
import { encryptionKeys, encryptionKeysFromEnv, EncryptionKeyError, parseKey } from '../../src/codec/keys.js';

const keyText = () => randomBytes(32).toString('base64');
const json = (value: unknown) => defaultPayloadConverter.toPayload(value) as Payload;
const valueOf = (payload: Payload) => defaultPayloadConverter.fromPayload(payload);
const encoding = (payload: Payload) => Buffer.from(payload.metadata!.encoding!).toString();

test('every payload is encrypted: no clear text, no encoding name, the key id beside it; it decodes back', async () => {
  const codec = new EncryptionCodec(encryptionKeys(parseKey(keyText(), 'key')));
  const secret = 'Delete payroll-2024.xlsx for Alice';
  const [sealed] = await codec.encode([json({ prompt: secret })]);
  assert.equal(encoding(sealed!), ENCRYPTED_ENCODING);
  assert.ok(!Buffer.from(sealed!.data!).toString('latin1').includes('payroll'));
  assert.ok(!Buffer.from(sealed!.data!).toString('latin1').includes('json/plain'));
  assert.equal(sealed!.metadata!['encryption-compression'], undefined, 'a small payload is not compressed');
  const [opened] = await codec.decode([sealed!]);
  assert.deepEqual(valueOf(opened!), { prompt: secret });
});

test('a large payload is deflated before it is encrypted, and a payload sealed twice differs (fresh IV)', async () => {
  const codec = new EncryptionCodec(encryptionKeys(parseKey(keyText(), 'key')));
  const big = json({ conversation: 'the same tool output again and again. '.repeat(5000) });
  const [a, b] = await codec.encode([big, big]);
  assert.equal(Buffer.from(a!.metadata!['encryption-compression']!).toString(), 'deflate');
  assert.ok(a!.data!.length < big.data!.length / 10, `${a!.data!.length} bytes against ${big.data!.length}`);
  assert.notDeepEqual(Buffer.from(a!.data!), Buffer.from(b!.data!));
  assert.deepEqual(valueOf((await codec.decode([a!]))[0]!), valueOf(big));
});

test('rotation: payloads sealed with an old key stay readable; new ones use the new key; an unknown key id is named', async () => {
  const oldKey = parseKey(keyText(), 'old');
  const newKey = parseKey(keyText(), 'new');
  const [sealedOld] = await new EncryptionCodec(encryptionKeys(oldKey)).encode([json('before the rotation')]);
  const rotated = new EncryptionCodec(encryptionKeys(newKey, [oldKey]));
  assert.equal(valueOf((await rotated.decode([sealedOld!]))[0]!), 'before the rotation');
  const [sealedNew] = await rotated.encode([json('after')]);
  assert.equal(Buffer.from(sealedNew!.metadata!['encryption-key-id']!).toString(), newKey.id);
  await assert.rejects(new EncryptionCodec(encryptionKeys(newKey)).decode([sealedOld!]), (error: Error) => error instanceof PayloadDecodeError && error.message.includes(oldKey.id));
});

test('an altered payload or a relabelled key id does not authenticate; clear payloads pass through decode', async () => {
  const key = parseKey(keyText(), 'key');
  const codec = new EncryptionCodec(encryptionKeys(key));
  const [sealed] = await codec.encode([json('x')]);
  const flipped = Buffer.from(sealed!.data!);
  flipped[20] = flipped[20]! ^ 1;
  await assert.rejects(codec.decode([{ ...sealed!, data: flipped }]), /does not authenticate/);
  const relabelled = { ...sealed!, metadata: { ...sealed!.metadata, 'encryption-compression': Buffer.from('deflate') } };
  await assert.rejects(codec.decode([relabelled]), /does not authenticate/);
  const clear = json('written before encryption was on');
  assert.deepEqual(await codec.decode([clear]), [clear]);
});

test('keys from the environment: none, a bad one (one clear line), old keys without a current one', () => {
  assert.equal(encryptionKeysFromEnv({}), undefined);
  assert.throws(() => encryptionKeysFromEnv({ PAYLOAD_ENCRYPTION_KEY: 'c2hvcnQ=' }), (error: Error) => error instanceof EncryptionKeyError && /32 random bytes in base64/.test(error.message) && !error.message.includes('\n'));
  assert.throws(() => encryptionKeysFromEnv({ PAYLOAD_ENCRYPTION_OLD_KEYS: keyText() }), /PAYLOAD_ENCRYPTION_KEY is not/);
  const current = keyText();
  const old = keyText();
  const keys = encryptionKeysFromEnv({ PAYLOAD_ENCRYPTION_KEY: current, PAYLOAD_ENCRYPTION_OLD_KEYS: ` ${old} ,` })!;
  assert.equal(keys.current.id, parseKey(current, 'k').id);
  assert.deepEqual([...keys.byId.keys()].sort(), [parseKey(current, 'k').id, parseKey(old, 'k').id].sort());
});

test('the codec endpoint: encode/decode round trip, CORS for allowed origins, sign-in or bearer token required, bad bodies refused', async () => {
  const codec = new EncryptionCodec(encryptionKeys(parseKey(keyText(), 'key')));
  let signedIn = false;
  const app = codecRoutes({ codec, signedIn: () => signedIn, token: 'sesame', allowedOrigins: ['http://localhost:8233'] });
  const wire = { payloads: [{ metadata: { encoding: Buffer.from('json/plain').toString('base64') }, data: Buffer.from('"the prompt"').toString('base64') }] };
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    app.request(path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

  assert.equal((await post('/encode', wire)).status, 401);
  assert.equal((await post('/encode', wire, { authorization: 'Bearer wrong' })).status, 401);
  const preflight = await app.request('/decode', { method: 'OPTIONS', headers: { origin: 'http://localhost:8233', 'access-control-request-method': 'POST' } });
  assert.equal(preflight.status, 204);
  assert.equal(preflight.headers.get('access-control-allow-origin'), 'http://localhost:8233');
  assert.equal(preflight.headers.get('access-control-allow-credentials'), 'true');
  assert.match(preflight.headers.get('access-control-allow-headers') ?? '', /x-namespace/);
  assert.equal((await post('/decode', wire, { origin: 'http://evil.example' })).status, 403);

  const encoded = await post('/encode', wire, { authorization: 'Bearer sesame' });
  assert.equal(encoded.status, 200);
  const sealed = (await encoded.json()) as typeof wire;
  assert.equal(Buffer.from(sealed.payloads[0]!.metadata.encoding, 'base64').toString(), ENCRYPTED_ENCODING);
  signedIn = true;
  const decoded = await post('/decode', sealed, { origin: 'http://localhost:8233' });
  assert.equal(decoded.headers.get('access-control-allow-origin'), 'http://localhost:8233');
  assert.deepEqual(await decoded.json(), wire);

  assert.equal((await post('/decode', { payloads: 'x' })).status, 400);
  assert.equal((await post('/decode', { payloads: [{ data: 'not base64!' }] })).status, 400);
  const garbage = { payloads: [{ metadata: sealed.payloads[0]!.metadata, data: Buffer.from('x'.repeat(40)).toString('base64') }] };
  const refused = await post('/decode', garbage);
  assert.equal(refused.status, 422);
  assert.match(((await refused.json()) as { error: string }).error, /does not authenticate/);
});
