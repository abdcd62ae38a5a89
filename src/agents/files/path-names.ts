/**
 * What a file tool accepts as a path, before it touches the disk: a relative name made of
 * ordinary components. `..notes.txt` is an ordinary name; `../x`, `/etc/x`, `a//b` and names
 * with a NUL byte are refused. And how a name is shown back: plain when it is harmless, else
 * JSON-quoted with every control, format and separator character escaped.
 */

export type PathCheck = { ok: true; components: string[] } | { ok: false; problem: string };

/** Splits a workspace-relative path into its components (`.` components dropped), or says what is wrong with it. */
export function checkRelativePath(name: string): PathCheck {
  if (name.includes('\0')) return { ok: false, problem: 'contains a NUL byte' };
  if (name.startsWith('/')) return { ok: false, problem: 'is outside the workspace (an absolute path; give paths relative to the workspace)' };
  const components: string[] = [];
  for (const component of name.split('/')) {
    if (component === '') return { ok: false, problem: 'has an empty path component (a doubled or trailing /)' };
    if (component === '.') continue;
    if (component === '..') {
      return components.length === 0
        ? { ok: false, problem: 'is outside the workspace (".." leads out of it)' }
        : { ok: false, problem: 'uses a ".." component (name the file directly)' };
    }
    components.push(component);
  }
  if (components.length === 0) return { ok: false, problem: 'names the workspace folder itself, not a file in it' };
  return { ok: true, components };
}

// Letters, marks, digits and a few punctuation marks that cannot be mistaken for list syntax.
const PLAIN_NAME = /^[\p{L}\p{M}\p{N}._\-+@~%=#/ ]+$/u;
const UNSAFE_IN_QUOTES = /[\p{C}\p{Zl}\p{Zp}]/gu;

/** The name as it appears in a tool's result text: as is when plain, else JSON-quoted and escaped. */
export function shownName(name: string): string {
  if (PLAIN_NAME.test(name) && name.trim() === name) return name;
  // JSON.stringify escapes C0 controls, quotes and lone surrogates; escape the rest of the
  // invisible or line-breaking characters too (DEL, C1 controls, bidi overrides, U+2028).
  return JSON.stringify(name).replace(UNSAFE_IN_QUOTES, (character) =>
    character
      .split('')
      .map((unit) => `\\u${unit.charCodeAt(0).toString(16).padStart(4, '0')}`)
      .join(''),
  );
}
