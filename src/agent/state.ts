/**
 * Agent state: a JSON key/value store shared by hooks and tools, carried from run to run in a
 * session. Values are deep-copied in and out so that nobody mutates the store behind its back.
 */
import { jsonBytes } from './payload-budget.js';
import type { JsonObject, JsonValue } from './types.js';

/** Agent state is for preferences and small facts, not data: larger states are refused. */
export const STATE_MAX_BYTES = 256 * 1024;

export type StateChange = { op: 'set'; key: string; value: JsonValue } | { op: 'delete'; key: string };

export class AgentState {
  private readonly values: Map<string, JsonValue>;
  /** Kept only where changes must be sent elsewhere (a tool activity); the run's own state keeps none. */
  private readonly journal: StateChange[] | undefined;

  constructor(initial: JsonObject = {}, options: { journal?: boolean } = {}) {
    this.values = new Map(Object.entries(copyJson(initial, 'initial state') as JsonObject));
    this.journal = options.journal ? [] : undefined;
  }

  get<T extends JsonValue = JsonValue>(key: string): T | undefined {
    const value = this.values.get(key);
    return value === undefined ? undefined : (copyJson(value, key) as T);
  }

  has(key: string): boolean {
    return this.values.has(key);
  }

  set(key: string, value: JsonValue): void {
    const copy = copyJson(value, key);
    const previous = this.values.get(key);
    this.values.set(key, copy);
    // State travels in every tool call, session and continue-as-new: its size is checked at the door.
    const size = jsonBytes(Object.fromEntries(this.values));
    if (size > STATE_MAX_BYTES) {
      if (previous === undefined) this.values.delete(key);
      else this.values.set(key, previous);
      throw new RangeError(`agent state would grow to ${size} bytes with "${key}"; state is limited to ${STATE_MAX_BYTES} bytes (keep large data in files or a store)`);
    }
    this.journal?.push({ op: 'set', key, value: copy });
  }

  delete(key: string): void {
    this.values.delete(key);
    this.journal?.push({ op: 'delete', key });
  }

  /** Applies changes made elsewhere (by a tool in an activity). */
  apply(changes: readonly StateChange[]): void {
    for (const change of changes) {
      if (change.op === 'set') this.set(change.key, change.value);
      else this.delete(change.key);
    }
  }

  /** Changes since construction, in order (journaling states only): what a tool activity sends back. */
  changes(): StateChange[] {
    return [...(this.journal ?? [])];
  }

  snapshot(): JsonObject {
    return Object.fromEntries([...this.values].map(([key, value]) => [key, copyJson(value, key)]));
  }
}

/** A deep copy that refuses anything JSON cannot carry (undefined, functions, NaN, cycles). */
export function copyJson(value: unknown, path: string): JsonValue {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`state value at "${path}" is not a finite number`);
    return value;
  }
  if (Array.isArray(value)) return value.map((item, index) => copyJson(item, `${path}[${index}]`));
  // Checked by tag, not prototype: payloads and workflow code may come from another V8 realm.
  if (Object.prototype.toString.call(value) === '[object Object]') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([key, item]) => [key, copyJson(item, `${path}.${key}`)]),
    );
  }
  throw new TypeError(`state value at "${path}" is not JSON (${typeof value})`);
}

/** The changes that turn `before` into `after` (what a sub-agent did to the state it was given). */
export function stateChangesBetween(before: JsonObject, after: JsonObject): StateChange[] {
  const changes: StateChange[] = [];
  for (const [key, value] of Object.entries(after)) {
    if (!(key in before) || JSON.stringify(before[key]) !== JSON.stringify(value)) changes.push({ op: 'set', key, value });
  }
  for (const key of Object.keys(before)) if (!(key in after)) changes.push({ op: 'delete', key });
  return changes;
}
