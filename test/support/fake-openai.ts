/**
 * A fake OpenAI Chat Completions service (`POST /v1/chat/completions`) for the official `openai`
 * client: `new OpenAI({ baseURL: fake.baseURL, apiKey: 'test' })`. Requests are checked with the
 * rules the real service applies to messages, tool calls and tools. With `"stream": true` the
 * answer comes as `chat.completion.chunk` events (`data: {...}` … `data: [DONE]`): the role, the
 * text in pieces, each tool call's id and name and then its argument fragments, the finish reason,
 * and the usage chunk when `stream_options.include_usage` asks for it.
 */
import { ScriptedModelServer, type ServerOptions, type WireFormat, type WireReply } from './scripted-model-server.js';
import { groupPieces, splitFragments, splitText, type WireEvent } from './stream-pieces.js';

type Json = Record<string, any>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

const FINISH_REASONS: Record<string, string> = { end_turn: 'stop', tool_use: 'tool_calls', max_tokens: 'length', content_filtered: 'content_filter' };

/** The (type, code) the real service sends with each status. */
const ERRORS: Record<number, [string, string | null]> = {
  400: ['invalid_request_error', null],
  401: ['invalid_request_error', 'invalid_api_key'],
  403: ['invalid_request_error', 'unsupported_country_region_territory'],
  404: ['invalid_request_error', 'model_not_found'],
  422: ['invalid_request_error', null],
  429: ['requests', 'rate_limit_exceeded'],
  500: ['server_error', null],
  503: ['server_error', 'service_unavailable'],
};

let completions = 0;
let responses = 0;

export const openaiWire: WireFormat = {
  name: 'fake openai',
  path: '/v1/chat/completions',
  basePath: '/v1',
  idPrefix: 'call_',
  authProblem: (headers) =>
    /^Bearer \S+/.test(String(headers.authorization ?? '')) ? undefined : "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth.",
  problems: chatRequestProblems,
  headers: () => ({ 'x-request-id': `req_fake${++responses}`, 'openai-processing-ms': '1' }),
  errorBody(status, code, message) {
    const [type, defaultCode] = ERRORS[status] ?? (status >= 500 ? ['server_error', null] : ['invalid_request_error', null]);
    return { error: { message, type, param: null, code: code ?? defaultCode } };
  },
  success(reply: WireReply) {
    completions += 1;
    const toolCalls = reply.uses.map((use) => ({
      ...(use.id === null ? {} : { id: use.id }),
      type: 'function',
      function: { name: use.name, arguments: use.rawArguments ?? JSON.stringify(use.input) },
    }));
    return {
      id: `chatcmpl-fake${completions}`,
      object: 'chat.completion',
      created: 1_700_000_000 + completions,
      model: reply.model,
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: reply.text ?? null, refusal: null, ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}) },
          logprobs: null,
          finish_reason: FINISH_REASONS[reply.stopReason] ?? reply.stopReason,
        },
      ],
      usage: usageOf(reply),
    };
  },
  streams: (body) => isObject(body) && body.stream === true,
  streamFields: ['stream', 'stream_options'],
  // The stream of exactly the completion the non-streaming call returns.
  streamPieces: (reply: WireReply, body: Json) => chunksOf(openaiWire.success(reply), isObject(body.stream_options) && body.stream_options.include_usage === true),
  streamOfBody: (body) => chunksOf(body, isObject(body.usage)),
  streamErrorPiece(status, code, message) {
    return sse(openaiWire.errorBody(status, code, message));
  },
};

const sse = (data: object): string => `data: ${JSON.stringify(data)}\n\n`;

/**
 * A `chat.completion` as the `chat.completion.chunk` events that stream it, grouped into pieces:
 * the role, the text (or refusal) in pieces, each tool call's id, type and name and then its
 * argument fragments, the finish reason, the usage chunk when asked for, `data: [DONE]`. A
 * field the completion lacks is left out of the stream too.
 */
function chunksOf(completion: Json, includeUsage: boolean): string[] {
  const base = { id: completion.id ?? 'chatcmpl-fake', object: 'chat.completion.chunk', created: completion.created ?? 1_700_000_000, model: completion.model ?? '', system_fingerprint: null };
  // With include_usage every chunk carries `usage: null` but the last, which carries only usage.
  const chunk = (delta: Json, finishReason: unknown = null) => ({
    ...base,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
    ...(includeUsage ? { usage: null } : {}),
  });
  const choice: unknown = Array.isArray(completion.choices) ? completion.choices[0] : undefined;
  const message: Json | undefined = isObject(choice) && isObject(choice.message) ? choice.message : undefined;
  const events: Array<WireEvent<object>> = [];
  if (message) {
    const { content, refusal } = message;
    events.push({ data: chunk({ role: message.role ?? 'assistant', content: typeof content === 'string' ? '' : null, refusal: null }) });
    if (typeof content === 'string') splitText(content).forEach((piece, i) => events.push({ data: chunk({ content: piece }), opens: i > 0 }));
    if (typeof refusal === 'string') splitText(refusal).forEach((piece) => events.push({ data: chunk({ refusal: piece }), opens: true }));
    (Array.isArray(message.tool_calls) ? message.tool_calls : []).forEach((call: Json, index: number) => {
      const { function: fn, ...head } = isObject(call) ? call : {};
      const args = isObject(fn) && typeof fn.arguments === 'string' ? fn.arguments : '';
      events.push({ data: chunk({ tool_calls: [{ index, ...head, function: { ...(isObject(fn) ? { name: fn.name } : {}), arguments: '' } }] }), opens: true });
      for (const fragment of splitFragments(args)) events.push({ data: chunk({ tool_calls: [{ index, function: { arguments: fragment } }] }), opens: true });
    });
  }
  if (isObject(choice)) events.push({ data: chunk({}, choice.finish_reason ?? null), opens: true });
  if (includeUsage && isObject(completion.usage)) events.push({ data: { ...base, choices: [], usage: completion.usage } });
  const pieces = groupPieces(events).map((piece) => piece.map(sse).join(''));
  return [...pieces.slice(0, -1), `${pieces.at(-1) ?? ''}data: [DONE]\n\n`];
}

function usageOf(reply: WireReply): object {
  return {
    prompt_tokens: reply.usage.inputTokens,
    completion_tokens: reply.usage.outputTokens,
    total_tokens: reply.usage.inputTokens + reply.usage.outputTokens,
  };
}

export const startFakeOpenAI = (options: ServerOptions = {}): Promise<ScriptedModelServer> => ScriptedModelServer.start(openaiWire, options);

/** The checks of the real service that a mapping bug would trip. */
export function chatRequestProblems(body: unknown): string[] {
  if (!isObject(body)) return ['We could not parse the JSON body of your request.'];
  const problems: string[] = [];
  if (typeof body.model !== 'string' || body.model === '') problems.push('you must provide a model parameter');
  if (body.stream !== undefined && typeof body.stream !== 'boolean') problems.push("Invalid type for 'stream': expected a boolean.");
  if (body.stream_options !== undefined && body.stream !== true) problems.push("The 'stream_options' parameter is only allowed when 'stream' is enabled.");
  if ('max_tokens' in body && 'max_completion_tokens' in body) problems.push("Use 'max_completion_tokens' instead of 'max_tokens', not both.");
  const messages = body.messages;
  if (!Array.isArray(messages) || messages.length === 0) return [...problems, "Invalid 'messages': empty array. Expected an array with minimum length 1."];
  messages.forEach((message, i) => problems.push(...messageProblems(message, i, messages)));
  problems.push(...toolProblems(body.tools));
  return problems;
}

function messageProblems(message: unknown, i: number, messages: unknown[]): string[] {
  if (!isObject(message)) return [`Invalid type for 'messages[${i}]': expected an object.`];
  const at = `messages[${i}]`;
  switch (message.role) {
    case 'system':
    case 'developer':
    case 'user':
      return typeof message.content === 'string' || Array.isArray(message.content) ? [] : [`Missing required parameter: '${at}.content'.`];
    case 'assistant': {
      const calls = message.tool_calls;
      if (calls === undefined && (typeof message.content !== 'string' || message.content === '')) return [`Invalid '${at}': an assistant message needs content or tool_calls.`];
      if (calls === undefined) return [];
      if (!Array.isArray(calls) || calls.length === 0) return [`Invalid '${at}.tool_calls': empty array.`];
      const problems = calls.flatMap((call, j) =>
        isObject(call) && typeof call.id === 'string' && call.id !== '' && call.type === 'function' && isObject(call.function) && typeof call.function.name === 'string' && typeof call.function.arguments === 'string'
          ? []
          : [`Invalid '${at}.tool_calls[${j}]': needs id, type "function" and function.name / function.arguments (a string).`],
      );
      // Every call is answered by the tool messages that directly follow.
      const answered = new Set<string>();
      for (const next of messages.slice(i + 1)) {
        if (!isObject(next) || next.role !== 'tool') break;
        answered.add(String(next.tool_call_id));
      }
      const missing = calls.flatMap((call) => (isObject(call) && !answered.has(String(call.id)) ? [String(call.id)] : []));
      if (missing.length > 0) {
        problems.push(`An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: ${missing.join(', ')}`);
      }
      return problems;
    }
    case 'tool': {
      if (typeof message.content !== 'string' && !Array.isArray(message.content)) return [`Missing required parameter: '${at}.content'.`];
      let j = i - 1;
      while (j >= 0 && isObject(messages[j]) && (messages[j] as Json).role === 'tool') j -= 1;
      const owner = messages[j];
      const ids = isObject(owner) && owner.role === 'assistant' && Array.isArray(owner.tool_calls) ? owner.tool_calls.map((call: Json) => call?.id) : [];
      return ids.includes(message.tool_call_id)
        ? []
        : [`Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.`];
    }
    default:
      return [`Invalid value: '${String(message.role)}'. Supported values are: 'system', 'assistant', 'user', 'tool', 'function', and 'developer'.`];
  }
}

function toolProblems(tools: unknown): string[] {
  if (tools === undefined) return [];
  if (!Array.isArray(tools) || tools.length === 0) return ["Invalid 'tools': empty array. Expected an array with minimum length 1."];
  return tools.flatMap((tool, k) => {
    const fn = isObject(tool) ? tool.function : undefined;
    if (!isObject(tool) || tool.type !== 'function' || !isObject(fn)) return [`Invalid 'tools[${k}]': expected {type: "function", function: {...}}.`];
    if (typeof fn.name !== 'string' || !TOOL_NAME.test(fn.name)) return [`Invalid 'tools[${k}].function.name': string does not match pattern '^[a-zA-Z0-9_-]+$'.`];
    if (fn.parameters !== undefined && (!isObject(fn.parameters) || fn.parameters.type !== 'object')) {
      return [`Invalid schema for function '${fn.name}': schema must be a JSON Schema of 'type: "object"'.`];
    }
    return [];
  });
}
