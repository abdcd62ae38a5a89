/**
 * Agent names and session ids travel into workflow ids, search attributes, terminal lines and
 * command lines: they must be plain one-line words. Pure, workflow-safe.
 */
import { clipInline, hasUnsafeCharacters } from './escape.js';

export const MAX_NAME_LENGTH = 200;

/** Why `value` cannot be used as a `kind` (e.g. "agent name", "session id"), or undefined when it can. */
export function nameProblem(kind: string, value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length === 0) return `the ${kind} must be a non-empty string`;
  const shown = `"${clipInline(value, 60)}"`;
  if (value.length > MAX_NAME_LENGTH) return `the ${kind} ${shown} is longer than ${MAX_NAME_LENGTH} characters`;
  if (hasUnsafeCharacters(value)) return `the ${kind} ${shown} contains a control character (a newline, tab or escape); use letters, digits and - _ . : /`;
  if (value.startsWith('-')) return `the ${kind} ${shown} starts with "-", which reads as an option on a command line`;
  if (value.trim() !== value) return `the ${kind} ${shown} starts or ends with a space`;
  return undefined;
}
