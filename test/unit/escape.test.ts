/** Escaping of model- and tool-supplied text for the terminal and the Web UI (src/agent/escape.ts), and name checks. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { escapeBlock, escapeInline, escapeMarkdown, hasUnsafeCharacters } from '../../src/agent/escape.js';
import { nameProblem } from '../../src/agent/names.js';
import { describe as describeDetails } from '../../src/workflows/run-visibility.js';
import type { Interrupt } from '../../src/agent/interrupts.js';

const FAKE_PROMPT = 'a.txt\n\x1b[2K\rYour answer (y/N): y\x1b[31m red \x07\u202e';

test('escapeInline leaves no control character, newline or reordering mark, and shows each one', () => {
  const escaped = escapeInline(FAKE_PROMPT);
  assert.equal(hasUnsafeCharacters(escaped), false);
  assert.doesNotMatch(escaped, /[\n\r\x1b\x07\u202e]/);
  assert.equal(escaped, 'a.txt\\n\\x1b[2K\\rYour answer (y/N): y\\x1b[31m red \\x07\\u{202e}');
  assert.equal(escapeInline('plain text, äöü 日本'), 'plain text, äöü 日本');
  assert.equal(escapeInline('\u0085\u009b\u2028'), '\\x85\\x9b\\u{2028}');
});

test('escapeBlock keeps lines and tabs but escapes everything else', () => {
  assert.equal(escapeBlock('line 1\n\tline 2\r\x1b[1mbold'), 'line 1\n\tline 2\\r\\x1b[1mbold');
});

test('escapeMarkdown renders as the text: no markup, link, image, HTML or new line', () => {
  const hostile = '<img src=x onerror=alert(1)> **bold** [link](http://evil) ![i](x) `code` # h\n- item & more';
  const escaped = escapeMarkdown(hostile);
  assert.doesNotMatch(escaped, /[<>\n]/);
  assert.doesNotMatch(escaped, /(^|[^\\])[*[\]()`#!]/, 'every markdown character is backslash-escaped');
  assert.match(escaped, /&lt;img/);
  assert.match(escaped, /&amp; more/);
  assert.equal(escapeMarkdown('a_b'), 'a\\_b');
});

test('the Web UI details escape the tool input and the question', () => {
  const interrupt: Interrupt = {
    id: 'hook:beforeToolCall:t1:approval',
    name: 'approval',
    reason: { message: 'Approve?\n**yes** <b>' },
    source: 'hook',
    scope: 'beforeToolCall',
    toolName: 'delete_files',
    toolInput: { paths: ['a.txt', 'x](http://evil)\n# heading\x1b[31m'] },
    raisedAt: '2024-01-01T00:00:00.000Z',
  };
  const details = describeDetails('waiting', [interrupt]);
  const lines = details.split('\n');
  assert.equal(lines.length, 3, 'a header, a blank line and one line per interrupt');
  assert.doesNotMatch(details, /\x1b|<b>|\n# /);
  assert.match(lines[2]!, /x\\\]\\\(http:\/\/evil\\\)\\\\n\\# heading\\\\x1b\\\[31m/);
  assert.match(lines[2]!, /Approve\?\\\\n\\\*\\\*yes\\\*\\\* &lt;b&gt;/);
});

test('nameProblem refuses newlines, control characters, a leading "-", padding, empty and huge names', () => {
  assert.equal(nameProblem('agent name', 'file-approval'), undefined);
  assert.equal(nameProblem('session id', 'user:42/thread.7'), undefined);
  assert.match(nameProblem('agent name', 'a\nb')!, /control character/);
  assert.match(nameProblem('agent name', 'a\x1b[31m')!, /control character/);
  assert.match(nameProblem('session id', '--all')!, /starts with "-"/);
  assert.match(nameProblem('session id', ' padded')!, /space/);
  assert.match(nameProblem('session id', '')!, /non-empty/);
  assert.match(nameProblem('session id', 7)!, /non-empty string/);
  assert.match(nameProblem('session id', 'x'.repeat(201))!, /longer than 200/);
  assert.doesNotMatch(nameProblem('agent name', 'a\nb\x1b')!, /\n|\x1b/, 'the message itself is escaped');
});
