/**
 * Request validation that the real Bedrock Converse API applies, copied into the fake so that
 * tests catch conversations the real service would reject with a 400 ValidationException.
 * Messages follow the real service's wording where it is known (see
 * /work/shared/research/bedrock-temporal-facts.md section 1); the others are close paraphrases.
 *
 * `converseRequestProblems` returns every problem found; an empty list means the request is valid.
 */

type JsonObject = Record<string, unknown>;

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);
const isNonEmptyString = (v: unknown): v is string => typeof v === 'string' && v.length > 0;

export const TOOL_CONFIG_REQUIRED =
  'The toolConfig field must be defined when using toolUse and toolResult content blocks.';

/** Tool names accepted by Bedrock: `[a-zA-Z0-9_-]+`, at most 64 characters. */
const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

export function converseRequestProblems(body: unknown): string[] {
  if (!isObject(body)) return ['The request body must be a JSON object.'];
  const messages = body.messages;
  if (!Array.isArray(messages) || messages.length === 0) {
    return ["1 validation error detected: Value at 'messages' failed to satisfy constraint: Member must have length greater than or equal to 1"];
  }
  const problems = [...messageShapeProblems(messages)];
  if (problems.length === 0) problems.push(...toolPairingProblems(messages as Message[]));
  problems.push(...toolConfigProblems(body, messages));
  problems.push(...inferenceConfigProblems(body.inferenceConfig));
  return problems;
}

interface Message { role: 'user' | 'assistant'; content: JsonObject[] }

/** Roles alternate starting and ending with `user`; content blocks are non-empty one-member unions. */
function messageShapeProblems(messages: unknown[]): string[] {
  const problems: string[] = [];
  messages.forEach((m, i) => {
    const role = isObject(m) ? m.role : undefined;
    if (role !== 'user' && role !== 'assistant') {
      problems.push(`1 validation error detected: Value '${String(role)}' at 'messages.${i}.member.role' failed to satisfy constraint: Member must satisfy enum value set: [user, assistant]`);
      return;
    }
    if (i === 0 && role !== 'user') {
      problems.push('A conversation must start with a user message. Try again with a conversation that starts with a user message.');
    }
    const previous = messages[i - 1];
    if (i > 0 && isObject(previous) && previous.role === role) {
      problems.push('A conversation must alternate between user and assistant roles. Make sure the conversation alternates between user and assistant roles and try again.');
    }
    const content = (m as JsonObject).content;
    if (!Array.isArray(content) || content.length === 0) {
      problems.push(`The content field in the Message object at messages.${i} is empty. Add a ContentBlock object to the content field and try again.`);
      return;
    }
    content.forEach((block, j) => problems.push(...blockProblems(block, `messages.${i}.content.${j}`, role)));
  });
  const last = messages[messages.length - 1];
  if (isObject(last) && last.role !== 'user') {
    problems.push('A conversation must end with a user message. Try again with a conversation that ends with a user message.');
  }
  return problems;
}

function blockProblems(block: unknown, at: string, role: 'user' | 'assistant'): string[] {
  const keys = isObject(block) ? Object.keys(block) : [];
  if (keys.length !== 1) {
    return [`The ContentBlock object at ${at} must set exactly one member, but it sets ${keys.length} (${keys.join(', ')}).`];
  }
  const b = block as JsonObject;
  if ('text' in b && (typeof b.text !== 'string' || b.text.trim() === '')) {
    return [`The text field in the ContentBlock object at ${at} is blank. Add text to the text field, and try again.`];
  }
  if ('toolUse' in b) {
    const use = b.toolUse;
    if (role !== 'assistant') return [`The toolUse block at ${at} is only allowed in an assistant message.`];
    if (!isObject(use) || !isNonEmptyString(use.toolUseId) || !isNonEmptyString(use.name)) {
      return [`The toolUse block at ${at} must have a non-empty toolUseId and name.`];
    }
  }
  if ('toolResult' in b) {
    const result = b.toolResult;
    if (role !== 'user') return [`The toolResult block at ${at} is only allowed in a user message.`];
    if (!isObject(result) || !isNonEmptyString(result.toolUseId) || !Array.isArray(result.content)) {
      return [`The toolResult block at ${at} must have a non-empty toolUseId and a content list.`];
    }
    if (result.status === 'error' && result.content.length === 0) {
      return [`The content field in the toolResult block at ${at} must not be empty when status is error. Add a ContentBlock describing the error and try again.`];
    }
  }
  return [];
}

const idsOf = (m: Message | undefined, kind: 'toolUse' | 'toolResult'): string[] =>
  (m?.content ?? []).flatMap((b) => (isObject(b[kind]) ? [String(b[kind].toolUseId)] : []));

/** Every toolUse is answered in the very next user message, and every toolResult answers one. */
function toolPairingProblems(messages: Message[]): string[] {
  const problems: string[] = [];
  messages.forEach((m, i) => {
    if (m.role === 'assistant') {
      const answered = new Set(idsOf(messages[i + 1], 'toolResult'));
      const missing = idsOf(m, 'toolUse').filter((id) => !answered.has(id));
      if (missing.length > 0) {
        problems.push(`Expected toolResult blocks at messages.${i + 1}.content for the following Ids: ${missing.join(', ')}`);
      }
      return;
    }
    const uses = idsOf(messages[i - 1], 'toolUse');
    const results = idsOf(m, 'toolResult');
    if (results.length > uses.length) {
      problems.push(`The number of toolResult blocks at messages.${i}.content exceeds the number of toolUse blocks of previous turn.`);
      return;
    }
    const unknown = results.filter((id) => !uses.includes(id));
    if (unknown.length > 0) {
      problems.push(`The toolResult blocks at messages.${i}.content reference Ids that are not toolUse blocks of the previous turn: ${unknown.join(', ')}`);
    }
  });
  return problems;
}

/** toolConfig is required once tool blocks appear, and each toolSpec must be well formed. */
function toolConfigProblems(body: JsonObject, messages: unknown[]): string[] {
  const usesTools = messages.some(
    (m) => isObject(m) && Array.isArray(m.content) && m.content.some((b) => isObject(b) && ('toolUse' in b || 'toolResult' in b)),
  );
  const config = body.toolConfig;
  if (config === undefined || config === null) return usesTools ? [TOOL_CONFIG_REQUIRED] : [];
  const tools = isObject(config) ? config.tools : undefined;
  if (!Array.isArray(tools) || tools.length === 0) {
    return ["1 validation error detected: Value at 'toolConfig.tools' failed to satisfy constraint: Member must have length greater than or equal to 1"];
  }
  const problems: string[] = [];
  const seen = new Set<string>();
  tools.forEach((tool, k) => {
    if (isObject(tool) && 'cachePoint' in tool) return;
    const spec = isObject(tool) ? tool.toolSpec : undefined;
    const name = isObject(spec) ? spec.name : undefined;
    if (!isNonEmptyString(name)) {
      problems.push(`1 validation error detected: Value null at 'toolConfig.tools.${k}.member.toolSpec.name' failed to satisfy constraint: Member must not be null`);
    } else if (!TOOL_NAME.test(name)) {
      problems.push(`1 validation error detected: Value '${name}' at 'toolConfig.tools.${k}.member.toolSpec.name' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_-]+ and have length less than or equal to 64`);
    } else if (seen.has(name)) {
      problems.push(`The toolConfig.tools list contains the tool name ${name} more than once. Tool names must be unique.`);
    }
    if (isNonEmptyString(name)) seen.add(name);
    const schema = isObject(spec) && isObject(spec.inputSchema) ? spec.inputSchema.json : undefined;
    if (!isObject(schema) || schema.type !== 'object') {
      problems.push(`The value at toolConfig.tools.${k}.toolSpec.inputSchema.json.type must be one of the following: object.`);
    }
  });
  return problems;
}

function inferenceConfigProblems(config: unknown): string[] {
  if (isObject(config) && config.temperature !== undefined && config.topP !== undefined) {
    return ['The model returned the following errors: `temperature` and `top_p` cannot both be specified for this model. Please use only one.'];
  }
  return [];
}
