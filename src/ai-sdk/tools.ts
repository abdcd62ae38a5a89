/**
 * AI SDK tools (`tool({ description, inputSchema, execute, needsApproval })` from `ai`) given to an
 * agent as they are. A tool is split into the two halves this package keeps apart:
 *
 * - the workflow half, a `ToolDefinition`: the name (the key in the record), the description, the
 *   input schema (a zod 4 schema as it is, or the JSON Schema of `jsonSchema(...)`/`zodSchema(...)`,
 *   checked with its `validate` when it has one) and `needsApproval`, which the approval policy
 *   applies (see approval/hook.ts): it runs in the workflow, so it must be deterministic;
 * - the activity half, an implementation (`implementTool`): `execute`, called in the tool activity
 *   with the parsed input and `{ toolCallId, messages: [], context: {} }`; its result (the last
 *   value, for an `execute` that yields several) becomes the tool's JSON result.
 *
 * Workflow-safe: nothing here imports `ai` (types only), so both halves come from the one module
 * your agents and your worker import. Keep that module's own imports workflow-safe too, or put the
 * `execute` bodies in a module only the worker imports and give `fromAiSdkTools` the same records.
 */
import { z } from 'zod';
import { implementTool, type ToolContext, type ToolDefinition } from '../agent/definition.js';
import type { JsonObject, JsonValue } from '../agent/types.js';

/** What this needs of an AI SDK tool: the fields of `tool({...})` it maps (any other field is ignored). */
export interface AiSdkToolLike {
  description?: string | ((...args: never[]) => string);
  title?: string;
  /** A zod 4 schema, or an AI SDK `Schema` (`jsonSchema(...)`, `zodSchema(...)`). */
  inputSchema: unknown;
  execute?: (input: never, options: never) => unknown;
  needsApproval?: boolean | ((input: never, options: never) => boolean | PromiseLike<boolean>);
  /** Provider-defined and provider-executed tools have one; they cannot run in a tool activity. */
  type?: string;
}

export interface SplitAiSdkTools {
  /** The workflow half: give them to `defineAgent({ tools })`. */
  definitions: ToolDefinition[];
  /** The activity half: give them to `agentsPlugin({ tools })`. Tools without `execute` have none. */
  implementations: Array<ReturnType<typeof implementTool>>;
}

/** `Symbol.for` key the AI SDK marks its `Schema` objects with (`jsonSchema()`, `zodSchema()`). */
const AI_SDK_SCHEMA = Symbol.for('vercel.ai.schema');

/**
 * Splits AI SDK tools, keyed by the name the model calls them by, into definitions for the agent and
 * implementations for the worker: `const weather = fromAiSdkTools({ weather: tool({...}) })`, then
 * `defineAgent({ tools: weather.definitions })` and `agentsPlugin({ tools: weather.implementations })`.
 */
export function fromAiSdkTools(tools: Record<string, AiSdkToolLike>): SplitAiSdkTools {
  const definitions: ToolDefinition[] = [];
  const implementations: SplitAiSdkTools['implementations'] = [];
  for (const [name, tool] of Object.entries(tools)) {
    if (tool.type !== undefined && tool.type !== 'function' && tool.type !== 'dynamic') {
      throw new TypeError(`AI SDK tool "${name}" is a ${tool.type} tool (the model's service runs it); only function tools run as activities`);
    }
    const definition = definitionOf(name, tool);
    definitions.push(definition);
    if (tool.execute) implementations.push(implementTool(definition, executeOf(tool.execute)));
  }
  return { definitions, implementations };
}

function definitionOf(name: string, tool: AiSdkToolLike): ToolDefinition {
  const description = typeof tool.description === 'string' ? tool.description : (tool.title ?? name);
  const needsApproval = approvalOf(tool.needsApproval);
  const schema = tool.inputSchema;
  if (isZod4(schema)) return { name, description, input: schema, ...needsApproval };
  if (isAiSdkSchema(schema)) {
    const jsonSchema: unknown = schema.jsonSchema;
    if (!isJsonObject(jsonSchema)) throw new TypeError(`AI SDK tool "${name}": its JSON Schema must be a plain object known when the tool is defined (not a promise)`);
    const { $schema: _ignored, ...inputSchema } = jsonSchema;
    return { name, description, input: validatedBy(name, schema.validate), inputSchema, ...needsApproval };
  }
  if (isObject(schema) && '_def' in schema) throw new TypeError(`AI SDK tool "${name}": its input schema is a zod 3 schema; use zod 4 (import { z } from 'zod' with zod 4) or jsonSchema(...)`);
  throw new TypeError(`AI SDK tool "${name}": its input schema must be a zod 4 schema or jsonSchema(...)/zodSchema(...) from the AI SDK`);
}

/** The AI SDK's needsApproval as this package's: the same decision, given the call's id (messages are not shown to it). */
function approvalOf(needsApproval: AiSdkToolLike['needsApproval']): Pick<ToolDefinition, 'needsApproval'> {
  if (needsApproval === undefined) return {};
  if (typeof needsApproval === 'boolean') return { needsApproval };
  const decide = needsApproval as (input: unknown, options: { toolCallId: string; messages: never[]; context: Record<string, never> }) => boolean | PromiseLike<boolean>;
  return { needsApproval: (input, call) => decide(input, { toolCallId: call.toolCallId, messages: [], context: {} }) };
}

/** A zod schema that accepts what `validate` accepts (the value it returns), or any JSON object when there is no `validate`. */
function validatedBy(name: string, validate: AiSdkSchema['validate']): z.ZodType {
  return z.unknown().transform((value, ctx) => {
    if (!validate) {
      if (isObject(value) && !Array.isArray(value)) return value;
      ctx.addIssue({ code: 'custom', message: 'expected an object' });
      return z.NEVER;
    }
    const result = validate(value);
    if (isObject(result) && typeof (result as { then?: unknown }).then === 'function') {
      ctx.addIssue({ code: 'custom', message: `the schema of tool "${name}" validates asynchronously, which a workflow cannot wait for: give jsonSchema() a synchronous validate` });
      return z.NEVER;
    }
    const checked = result as { success: true; value: unknown } | { success: false; error: Error };
    if (checked.success) return checked.value;
    ctx.addIssue({ code: 'custom', message: checked.error.message });
    return z.NEVER;
  });
}

/** `execute` as a tool body: the last value of an `execute` that yields several, as plain JSON (undefined: null). */
function executeOf(execute: NonNullable<AiSdkToolLike['execute']>) {
  const run = execute as (input: unknown, options: { toolCallId: string; messages: never[]; context: Record<string, never> }) => unknown;
  return async (input: unknown, context: ToolContext): Promise<JsonValue> => {
    let output = await run(input, { toolCallId: context.toolUseId, messages: [], context: {} });
    if (isObject(output) && typeof (output as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === 'function') {
      let last: unknown;
      for await (const value of output as AsyncIterable<unknown>) last = value;
      output = last;
    }
    return output === undefined ? null : (JSON.parse(JSON.stringify(output)) as JsonValue);
  };
}

interface AiSdkSchema {
  jsonSchema: unknown;
  validate?: (value: unknown) => unknown;
}

function isAiSdkSchema(value: unknown): value is AiSdkSchema {
  return isObject(value) && (value as Record<symbol, unknown>)[AI_SDK_SCHEMA] === true && 'jsonSchema' in value;
}

function isZod4(value: unknown): value is z.ZodType {
  return isObject(value) && '_zod' in value && typeof (value as { safeParse?: unknown }).safeParse === 'function';
}

function isObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null;
}

function isJsonObject(value: unknown): value is JsonObject {
  return isObject(value) && !Array.isArray(value) && typeof (value as { then?: unknown }).then !== 'function';
}
