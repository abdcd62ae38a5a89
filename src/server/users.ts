/**
 * The people who may sign in to the web inbox: a JSON file of names and scrypt password hashes,
 *
 *   {"alice": {"password": "scrypt$16384$8$1$<salt base64>$<hash base64>"}, "bob": {...}}
 *
 * A "token" is a long random password (`serve --add-user NAME` makes one when given none). The
 * file holds no secret in the clear; it is read on every sign-in and every signed-in request, so
 * removing a name, or giving a new password, ends that person's sessions at once on every replica.
 */
import { randomBytes, scrypt as scryptCallback, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const PARAMS = { N: 16384, r: 8, p: 1 };
const KEY_LENGTH = 32;

function scrypt(password: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => scryptCallback(password, salt, KEY_LENGTH, { ...options, maxmem: 64 * 1024 * 1024 }, (error, key) => (error ? reject(error) : resolve(key))));
}

export class UsersFileError extends Error {
  override name = 'UsersFileError';
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scrypt(password, salt, PARAMS);
  return `scrypt$${PARAMS.N}$${PARAMS.r}$${PARAMS.p}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

/** Whether `password` matches the stored hash (constant time in the hash; a malformed entry never matches). */
export async function passwordMatches(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const [N, R, P] = [Number(n), Number(r), Number(p)];
  if (![N, R, P].every((value) => Number.isSafeInteger(value) && value > 0) || N > 1 << 20) return false;
  const expected = Buffer.from(hash, 'base64');
  const actual = await scrypt(password, Buffer.from(salt, 'base64'), { N, r: R, p: P });
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

export type UsersFile = Record<string, { password: string }>;

export function readUsers(file: string): UsersFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new UsersFileError(`cannot read the users file ${file}: ${(error as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new UsersFileError(`${file} must be a JSON object {"name": {"password": "scrypt$..."}}`);
  const users: UsersFile = {};
  for (const [name, entry] of Object.entries(parsed as Record<string, unknown>)) {
    const password = (entry as { password?: unknown } | null)?.password;
    if (typeof password === 'string') users[name] = { password };
  }
  return users;
}

/** Adds or replaces a person's password hash; the file is written readable by its owner only. */
export async function setUserPassword(file: string, name: string, password: string): Promise<void> {
  const users = readUsers(file);
  users[name] = { password: await hashPassword(password) };
  mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  writeFileSync(file, `${JSON.stringify(users, null, 2)}\n`, { mode: 0o600 });
}

/** Checks a sign-in against the file; the same work is done for an unknown name, so timing does not tell who exists. */
export async function checkSignIn(file: string, name: string, password: string): Promise<boolean> {
  return (await signIn(file, name, password)) !== undefined;
}

/** Like checkSignIn, but gives the stored hash that matched (for the session's password fingerprint). */
export async function signIn(file: string, name: string, password: string): Promise<string | undefined> {
  const users = readUsers(file);
  const entry = Object.hasOwn(users, name) ? users[name] : undefined;
  const matches = await passwordMatches(password, entry?.password ?? DUMMY_HASH);
  return entry !== undefined && matches ? entry.password : undefined;
}

/** The person's stored password hash, or undefined when the file does not list them. */
export function storedPassword(file: string, name: string): string | undefined {
  const users = readUsers(file);
  return Object.hasOwn(users, name) ? users[name]!.password : undefined;
}

const DUMMY_HASH = `scrypt$${PARAMS.N}$${PARAMS.r}$${PARAMS.p}$${Buffer.alloc(16).toString('base64')}$${Buffer.alloc(KEY_LENGTH).toString('base64')}`;
