/**
 * Registering the agent search attributes on a namespace (`setup` on a real cluster; the dev
 * server gets them at start), and checking whether a namespace has them.
 */
import type { Client } from '@temporalio/client';
import { encodeSearchAttributeIndexedValueType } from '@temporalio/common/lib/search-attributes.js';
import { AGENT_SEARCH_ATTRIBUTES } from '../workflows/search-attributes.js';

/** Names of the agent search attributes the namespace lacks. */
export async function missingSearchAttributes(client: Client, namespace: string): Promise<string[]> {
  const { customAttributes } = await client.connection.operatorService.listSearchAttributes({ namespace });
  return AGENT_SEARCH_ATTRIBUTES.map((key) => key.name).filter((name) => !(name in (customAttributes ?? {})));
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
