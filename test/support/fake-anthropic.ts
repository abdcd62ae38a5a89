/**
 * A fake Anthropic Messages service (`POST /v1/messages`) for the official `@anthropic-ai/sdk`
 * client: `new Anthropic({ baseURL: fake.baseURL, apiKey: 'test' })`. Requests are checked with
 * the rules the real service applies: alternating roles, tool_result blocks answering the previous
 * turn's tool_use blocks first thing, unique tool_use ids. With `"stream": true` the answer comes as
 * the real server-sent events: message_start, ping, content_block_start / content_block_delta
 * (text_delta, input_json_delta) / content_block_stop per block, message_delta with the stop
 * reason and usage, message_stop; an error inside the stream is `event: error`.
 */
import { ScriptedModelServer, type ServerOptions, type WireFormat, type WireReply } from './scripted-model-server.js';
import { groupPieces, splitFragments, splitText, type WireEvent } from './stream-pieces.js';

type Json = Record<string, any>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const TOOL_NAME = /^[a-zA-Z0-9_-]{1,128}$/;
const TOOL_USE_ID = /^[a-zA-Z0-9_-]+$/;

const STOP_REASONS: Record<string, string> = { content_filtered: 'refusal' };

const ERROR_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  503: 'overloaded_error',
  529: 'overloaded_error',
};

let messages = 0;
let responses = 0;

export const anthropicWire: WireFormat = {
  name: 'fake anthropic',
  path: '/v1/messages',
  basePath: '',
  idPrefix: 'toolu_',
  authProblem(headers) {
    if (!headers['x-api-key'] && !/^Bearer \S+/.test(String(headers.authorization ?? ''))) return 'x-api-key header is required';
    return headers['anthropic-version'] ? undefined : 'anthropic-version header is required';
  },
  problems: messagesRequestProblems,
  headers: () => ({ 'request-id': `req_fake${++responses}` }),
  errorBody(status, code, message) {
    return { type: 'error', error: { type: code ?? ERROR_TYPES[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error'), message }, request_id: `req_fake${responses}` };
  },
  success(reply: WireReply) {
    messages += 1;
    const content: object[] = reply.text !== undefined ? [{ type: 'text', text: reply.text }] : [];
    content.push(...toolUses(reply));
    return {
      id: `msg_fake${messages}`,
      type: 'message',
      role: 'assistant',
      model: reply.model,
      content,
      stop_reason: STOP_REASONS[reply.stopReason] ?? reply.stopReason,
      stop_sequence: null,
      usage: { input_tokens: reply.usage.inputTokens, output_tokens: reply.usage.outputTokens, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
    };
  },
  streams: (body) => isObject(body) && body.stream === true,
  streamFields: ['stream'],
  // The stream of exactly the message the non-streaming call returns.
  streamPieces: (reply: WireReply) => eventsOf(anthropicWire.success(reply)),
  streamOfBody: (body) => eventsOf(body),
  streamErrorPiece(status, code, message) {
    return `event: error\ndata: ${JSON.stringify(anthropicWire.errorBody(status, code, message))}\n\n`;
  },
};

/**
 * A Messages API `message` as the server-sent events that stream it, grouped into pieces:
 * message_start (with the usage so far), ping, then per content block content_block_start, its
 * deltas (text_delta pieces; input_json_delta fragments, the first one empty as the real service
 * sends it; thinking_delta and signature_delta) and content_block_stop, then message_delta with
 * the stop reason and output tokens, and message_stop.
 */
function eventsOf(message: Json): string[] {
  const event = (type: string, data: Json = {}, opens = false): WireEvent<string> => ({ data: `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`, opens });
  const { content, stop_reason, usage, ...rest } = message;
  const outputTokens = isObject(usage) ? usage.output_tokens : undefined;
  // The real service counts the output so far here (a token or so), and the total in message_delta.
  const startUsage = isObject(usage) ? { ...usage, output_tokens: Math.min(1, Number(outputTokens) || 0) } : usage;
  const events = [event('message_start', { message: { ...rest, content: [], stop_reason: null, stop_sequence: null, usage: startUsage } }), event('ping')];
  (Array.isArray(content) ? content : []).forEach((block: unknown, index: number) => {
    const b: Json = isObject(block) ? block : {};
    if (b.type === 'text') {
      events.push(event('content_block_start', { index, content_block: { ...b, text: '' } }, index > 0));
      splitText(String(b.text)).forEach((text, i) => events.push(event('content_block_delta', { index, delta: { type: 'text_delta', text } }, i > 0)));
    } else if (b.type === 'tool_use') {
      events.push(event('content_block_start', { index, content_block: { ...b, input: {} } }, true));
      for (const partial_json of ['', ...splitFragments(JSON.stringify(b.input) ?? '')]) events.push(event('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json } }, partial_json !== ''));
    } else if (b.type === 'thinking') {
      events.push(event('content_block_start', { index, content_block: { ...b, thinking: '', signature: '' } }, true));
      events.push(event('content_block_delta', { index, delta: { type: 'thinking_delta', thinking: b.thinking } }));
      events.push(event('content_block_delta', { index, delta: { type: 'signature_delta', signature: b.signature } }));
    } else {
      events.push(event('content_block_start', { index, content_block: b }, true));
    }
    events.push(event('content_block_stop', { index }));
  });
  events.push(event('message_delta', { delta: { stop_reason: stop_reason ?? null, stop_sequence: null }, usage: { output_tokens: outputTokens } }, true));
  events.push(event('message_stop'));
  return groupPieces(events).map((piece) => piece.join(''));
}

/** The reply's tool_use blocks. */
function toolUses(reply: WireReply): Array<{ type: 'tool_use'; id?: string; name: string; input: unknown }> {
  return reply.uses.map((use) => {
    if (use.rawArguments !== undefined) throw new Error('Anthropic tool input is JSON: it cannot carry raw arguments');
    return { type: 'tool_use', ...(use.id === null ? {} : { id: use.id }), name: use.name, input: use.input };
  });
}

export const startFakeAnthropic = (options: ServerOptions = {}): Promise<ScriptedModelServer> => ScriptedModelServer.start(anthropicWire, options);

export function messagesRequestProblems(body: unknown): string[] {
  if (!isObject(body)) return ['messages: request body must be a JSON object'];
  const problems: string[] = [];
  if (typeof body.model !== 'string' || body.model === '') problems.push('model: Field required');
  if (!Number.isInteger(body.max_tokens) || body.max_tokens < 1) problems.push('max_tokens: Field required');
  if (body.stream !== undefined && typeof body.stream !== 'boolean') problems.push('stream: Input should be a valid boolean');
  if (body.system !== undefined && typeof body.system !== 'string' && !Array.isArray(body.system)) problems.push('system: Input should be a valid string or a list of text blocks');
  const turns = body.messages;
  if (!Array.isArray(turns) || turns.length === 0) return [...problems, 'messages: at least one message is required'];
  const seenIds = new Set<string>();
  turns.forEach((turn, i) => problems.push(...turnProblems(turn, i, turns[i - 1], turns[i + 1], seenIds)));
  problems.push(...toolProblems(body.tools));
  return problems;
}

function turnProblems(turn: unknown, i: number, previous: unknown, next: unknown, seenIds: Set<string>): string[] {
  if (!isObject(turn) || (turn.role !== 'user' && turn.role !== 'assistant')) return [`messages.${i}.role: Input should be 'user' or 'assistant'`];
  if (i === 0 && turn.role !== 'user') return ['messages: first message must use the "user" role'];
  if (isObject(previous) && previous.role === turn.role) {
    return [`messages: roles must alternate between "user" and "assistant", but found multiple "${turn.role}" roles in a row`];
  }
  if (typeof turn.content === 'string') return turn.content === '' ? [`messages.${i}: text content blocks must be non-empty`] : [];
  if (!Array.isArray(turn.content) || turn.content.length === 0) return [`messages.${i}: all messages must have non-empty content`];
  const problems: string[] = [];
  const blocks = turn.content as unknown[];
  blocks.forEach((block, j) => {
    const at = `messages.${i}.content.${j}`;
    if (!isObject(block)) return problems.push(`${at}: Input should be an object`);
    if (block.type === 'text' && (typeof block.text !== 'string' || block.text === '')) problems.push(`${at}: text content blocks must be non-empty`);
    if (block.type === 'tool_use') {
      if (turn.role !== 'assistant') problems.push(`${at}: tool_use blocks are only allowed in assistant messages`);
      if (typeof block.id !== 'string' || !TOOL_USE_ID.test(block.id)) problems.push(`${at}.id: String should match pattern '^[a-zA-Z0-9_-]+$'`);
      else if (seenIds.has(block.id)) problems.push(`${at}: \`tool_use\` ids must be unique`);
      else seenIds.add(block.id);
      if (!isObject(block.input)) problems.push(`${at}.input: Input should be a valid dictionary`);
    }
    if (block.type === 'tool_result') {
      if (turn.role !== 'user') problems.push(`${at}: tool_result blocks are only allowed in user messages`);
      if (blocks.slice(0, j).some((b) => !isObject(b) || b.type !== 'tool_result')) problems.push(`${at}: tool_result blocks must come first in the user message`);
    }
  });
  problems.push(...pairingProblems(turn, i, previous, next));
  return problems;
}

const idsOf = (turn: unknown, type: string, key: string): string[] =>
  isObject(turn) && Array.isArray(turn.content) ? turn.content.flatMap((b: unknown) => (isObject(b) && b.type === type ? [String(b[key])] : [])) : [];

/** tool_use blocks are answered in the very next message; tool_result blocks answer the previous one. */
function pairingProblems(turn: Json, i: number, previous: unknown, next: unknown): string[] {
  if (turn.role === 'assistant') {
    const answered = new Set(idsOf(next, 'tool_result', 'tool_use_id'));
    const missing = idsOf(turn, 'tool_use', 'id').filter((id) => !answered.has(id));
    if (missing.length === 0 || next === undefined) return [];
    return [`messages.${i + 1}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${missing.join(', ')}. Each \`tool_use\` block must have a corresponding \`tool_result\` block in the next message.`];
  }
  const uses = new Set(idsOf(previous, 'tool_use', 'id'));
  const unknown = idsOf(turn, 'tool_result', 'tool_use_id').filter((id) => !uses.has(id));
  return unknown.length === 0 ? [] : [`messages.${i}.content: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${unknown.join(', ')}. Each \`tool_result\` block must have a corresponding \`tool_use\` block in the previous message.`];
}

function toolProblems(tools: unknown): string[] {
  if (tools === undefined) return [];
  if (!Array.isArray(tools)) return ['tools: Input should be a valid list'];
  return tools.flatMap((tool, k) => {
    if (!isObject(tool) || typeof tool.name !== 'string' || !TOOL_NAME.test(tool.name)) return [`tools.${k}.name: String should match pattern '^[a-zA-Z0-9_-]{1,128}$'`];
    if (!isObject(tool.input_schema) || tool.input_schema.type !== 'object') return [`tools.${k}.input_schema.type: Input should be 'object'`];
    return [];
  });
}
