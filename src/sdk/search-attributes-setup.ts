/**
 * Registering the agent search attributes on a namespace (`setup` on a real cluster; the dev
 * server gets them at start), and checking which of them a namespace has.
 */
import type { Client } from '@temporalio/client';
import { encodeSearchAttributeIndexedValueType } from '@temporalio/common/lib/search-attributes.js';
import { AGENT_SEARCH_ATTRIBUTES, BASE_SEARCH_ATTRIBUTES, INBOX_SEARCH_ATTRIBUTES, type Indexing } from '../workflows/search-attributes.js';

/** Names of the agent search attributes the namespace lacks. */
export async function missingSearchAttributes(client: Client, namespace: string): Promise<string[]> {
  const { customAttributes } = await client.connection.operatorService.listSearchAttributes({ namespace });
  return AGENT_SEARCH_ATTRIBUTES.map((key) => key.name).filter((name) => !(name in (customAttributes ?? {})));
}

/**
 * What runs may upsert in this namespace (passed to each run in its input): every attribute, the
 * base ones only (a namespace set up by an older `setup`: the inbox then lists runs without their
 * question, and cannot filter mine or overdue), or none. With payloads encoded (encrypted), the
 * question's text and tool are left out: visibility is stored in clear.
 */
export function indexingOf(missing: readonly string[], payloadsEncoded = false): Indexing {
  const lacks = (keys: ReadonlyArray<{ name: string }>) => keys.some((key) => missing.includes(key.name));
  if (lacks(BASE_SEARCH_ATTRIBUTES)) return false;
  if (lacks(INBOX_SEARCH_ATTRIBUTES)) return true;
  return payloadsEncoded ? 'inbox-sealed' : 'inbox';
}

/** Adds the missing ones; returns what it added (nothing when all were there). */
export async function registerSearchAttributes(client: Client, namespace: string): Promise<string[]> {
  const missing = new Set(await missingSearchAttributes(client, namespace));
  if (missing.size === 0) return [];
  const searchAttributes = Object.fromEntries(
    AGENT_SEARCH_ATTRIBUTES.filter((key) => missing.has(key.name)).map((key) => [key.name, encodeSearchAttributeIndexedValueType(key.type)!]),
  );
  await client.connection.operatorService.addSearchAttributes({ namespace, searchAttributes });
  return [...missing];
}
