/**
 * The model activity's conversation cache on its own: what it keeps, what it shares between runs,
 * and when it has to ask the run (outside an activity, asking fails, which shows a miss).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConversationCache, type ModelActivityInput } from '../../src/activities/conversation-cache.js';
import type { Message, ToolSpec } from '../../src/agent/types.js';

const model = { provider: 'instant', modelId: 'm' };
const tools: ToolSpec[] = [{ name: 'noop', description: 'does nothing', inputSchema: { type: 'object', properties: {} } }];
const user = (text: string): Message => ({ role: 'user', content: [{ text }] });
const assistant = (text: string): Message => ({ role: 'assistant', content: [{ text }] });

/** A run's first call (with its setup) and a later one that sends only what is new. */
function first(run: string, messages: Message[]): ModelActivityInput {
  return { model, system: 'be brief', tools, messages, conversation: { key: `${run}/0`, from: 0, total: messages.length, setup: 1 } };
}
function next(run: string, from: number, messages: Message[]): ModelActivityInput {
  return { model, messages, conversation: { key: `${run}/0`, from, total: from + messages.length, setup: 1 } };
}

test('a later call gets the whole conversation and the setup from the cache', async () => {
  const cache = new ConversationCache();
  await cache.resolve(first('a', [user('hi')]));
  const request = await cache.resolve(next('a', 1, [assistant('hello'), user('again')]));
  assert.deepEqual(request.messages, [user('hi'), assistant('hello'), user('again')]);
  assert.equal(request.system, 'be brief');
  assert.deepEqual(request.tools, tools);
});

test('a provider that changes its request changes no later call', async () => {
  const cache = new ConversationCache();
  await cache.resolve(first('a', [user('a')]));
  await cache.resolve(first('b', [user('b')]));
  const changed = await cache.resolve(next('a', 1, [assistant('x'), user('y')]));
  changed.tools.push({ name: 'injected', description: '', inputSchema: {} });
  changed.messages.splice(0);
  const later = await cache.resolve(next('b', 1, [assistant('x'), user('y')]));
  assert.deepEqual(later.tools, tools);
  const again = await cache.resolve(next('a', 3, [assistant('z')]));
  assert.equal(again.messages.length, 4);
  assert.deepEqual(again.tools, tools);
});

test('a turn that ended is forgotten: the next call asks the run', async () => {
  const cache = new ConversationCache();
  await cache.resolve(first('a', [user('hi')]));
  cache.forget('a/0');
  await assert.rejects(cache.resolve(next('a', 1, [assistant('hello'), user('again')])));
});

test('beyond its budget the least recently used conversation goes first', async () => {
  const cache = new ConversationCache(600);
  await cache.resolve(first('old', [user('x'.repeat(100))]));
  await cache.resolve(first('new', [user('y'.repeat(100))]));
  await cache.resolve(next('old', 1, [assistant('still here')]));
  await cache.resolve(first('newest', [user('z'.repeat(100))]));
  await assert.rejects(cache.resolve(next('new', 1, [assistant('gone')])));
  const kept = await cache.resolve(next('old', 2, [user('more')]));
  assert.equal(kept.messages.length, 3);
});

test('a call whose head does not match what the cache holds is not served from it', async () => {
  const cache = new ConversationCache();
  await cache.resolve(first('a', [user('hi')]));
  // The run says three messages came before; the cache holds one: it must ask the run.
  await assert.rejects(cache.resolve(next('a', 3, [user('later')])));
});
