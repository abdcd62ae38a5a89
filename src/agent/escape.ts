/**
 * Escaping for everything a model, a tool or a stranger wrote before a human reads it. Pure and
 * workflow-safe (the Web UI details are written from workflow code), and linear-time: each
 * function is one pass over the text with single-character patterns that cannot backtrack.
 *
 * - Terminal: control characters (ANSI escapes, carriage returns, newlines, bells), C1 controls
 *   and the Unicode characters that reorder or break lines are shown as visible escapes
 *   (`\x1b`, `\n`, `\u{202e}`), so a value can neither colour the screen nor start a line of its
 *   own, e.g. a fake "Your answer (y/N): y".
 * - Markdown (Temporal Web UI): the same, then HTML and markdown syntax escaped, so a value
 *   renders as the text it is and never as a link, an image, a heading or markup.
 */

/** C0 controls, DEL, C1 controls, and the format characters that reorder text or separate lines. */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/g;
/** The same, minus newline and tab: for multi-line prose (a final answer) that keeps its lines. */
const UNSAFE_IN_BLOCK = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/g;

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function visible(char: string): string {
  const named = NAMED[char];
  if (named) return named;
  const code = char.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
}

/** Whether the text holds a character that `escapeInline` would escape. */
export function hasUnsafeCharacters(text: string): boolean {
  UNSAFE.lastIndex = 0;
  return UNSAFE.test(text);
}

/** One line of terminal text: every control or reordering character becomes a visible escape. */
export function escapeInline(text: string): string {
  return text.replace(UNSAFE, visible);
}

/** Multi-line terminal text: keeps newlines and tabs, escapes every other control character. */
export function escapeBlock(text: string): string {
  return text.replace(UNSAFE_IN_BLOCK, visible);
}

/** Characters with a meaning in CommonMark or HTML; each is escaped where it stands. */
const MARKDOWN_SYNTAX = /[\\`*_{}[\]()#+\-.!|~<>&]/g;
const HTML_ENTITIES: Record<string, string> = { '<': '&lt;', '>': '&gt;', '&': '&amp;' };

/** Text for markdown (the Web UI's current details): renders as exactly this text, on one line. */
export function escapeMarkdown(text: string): string {
  return escapeInline(text).replace(MARKDOWN_SYNTAX, (char) => HTML_ENTITIES[char] ?? `\\${char}`);
}

/** `escapeInline`, cut to at most `max` characters (with `…`) before escaping makes it longer. */
export function clipInline(text: string, max: number): string {
  return escapeInline(text.length > max ? `${text.slice(0, max - 1)}…` : text);
}
