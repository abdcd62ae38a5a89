/**
 * Tool-use ids from a model are not trusted: local OpenAI-compatible servers send `call_0` every
 * turn, some send none. Interrupt ids and idempotency keys derive from the tool-use id, so a
 * repeated id would carry an earlier answer over to a call the human never saw. Before a turn enters
 * the run, every id that is missing or already used in the run is replaced by one derived from the
 * turn and the call's position; the model sees the new ids in its conversation from then on.
 */
import type { Message } from './types.js';

/** Provider rules (Bedrock, Anthropic): `[A-Za-z0-9_-]{1,64}`. */
const UNSAFE = /[^A-Za-z0-9_-]/g;

/**
 * `strict` (runs since it): an id is also replaced when it is not what providers allow, or holds
 * `--`, which separates a sub-agent's run id from its caller's (an id `a--b` would name another
 * run's sub-agent).
 */
export function withUniqueToolUseIds(message: Message, used: Set<string>, turn: number, strict = false): Message {
  let position = 0;
  let changed = false;
  const content = message.content.map((block) => {
    if (!('toolUse' in block)) return block;
    const index = position++;
    const id = block.toolUse.toolUseId;
    const acceptable = typeof id === 'string' && id !== '' && (!strict || (/^[A-Za-z0-9_-]{1,64}$/.test(id) && !id.includes('--')));
    if (acceptable && !used.has(id)) {
      used.add(id);
      return block;
    }
    const base = `${typeof id === 'string' ? id.replace(UNSAFE, '').replace(/-{2,}/g, '-').slice(0, 40) : ''}` || 'tooluse';
    let fresh = `${base}_t${turn}_${index}`;
    for (let n = 2; used.has(fresh); n++) fresh = `${base}_t${turn}_${index}_${n}`;
    used.add(fresh);
    changed = true;
    return { toolUse: { ...block.toolUse, toolUseId: fresh } };
  });
  return changed ? { ...message, content } : message;
}

/** Every tool-use id in a conversation. */
export function toolUseIdsIn(messages: readonly Message[]): Set<string> {
  const ids = new Set<string>();
  for (const message of messages) for (const block of message.content) if ('toolUse' in block) ids.add(block.toolUse.toolUseId);
  return ids;
}
