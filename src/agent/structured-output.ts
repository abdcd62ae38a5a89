/**
 * Structured output: a run asked for a typed result (`output` on the agent or on the run) offers
 * the model one more tool, `final_output`, whose input schema is the result's JSON Schema, and
 * ends when the model calls it with an input that fits. The same on every provider: each sends it
 * as a tool of its own kind, and forces it (Bedrock `toolChoice.tool`, Anthropic `tool_choice:
 * {type: "tool"}`, OpenAI `tool_choice: {type: "function"}`) when the model must give its answer:
 *
 * - the model ends its turn in plain text: its text stays in the conversation, the run asks once
 *   more (`OUTPUT_REQUEST`) with the output tool forced;
 * - the output does not fit the schema (checked by the model activity, on the worker's Node side,
 *   so the workflow bundle carries no validator): the model gets the validation error as the tool's
 *   result and is asked again, forced; after `MAX_OUTPUT_RETRIES` such retries the run fails,
 *   naming the last error.
 *
 * Workflow-safe: types and plain functions only.
 */
import type { JsonObject, ToolSpec } from './types.js';

/** The tool whose input is the run's typed result. An agent may not have a tool of this name when a run asks for output. */
export const OUTPUT_TOOL = 'final_output';

/** How often a model that gave an output that does not fit (or text instead) is asked again before the run fails. */
export const MAX_OUTPUT_RETRIES = 2;

/** The most characters of JSON an output schema may have: it travels with the run and is sent to the model. */
export const MAX_OUTPUT_SCHEMA_CHARS = 32 * 1024;

/** What the run says when the model ended its turn in text and must now call the output tool. */
export const OUTPUT_REQUEST = `Now give your final answer by calling the ${OUTPUT_TOOL} tool (its input is the result; do not answer in text).`;

const OUTPUT_DESCRIPTION =
  'Gives the final answer of this task as structured data. Call it once, alone, when you have finished (after any other tool calls ' +
  'have returned); its input is the result. Do not answer in plain text instead.';

/** Why `schema` cannot be a run's output schema, or undefined when it can. */
export function outputSchemaProblem(schema: unknown): string | undefined {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) return 'the output schema must be a JSON Schema object';
  const type = (schema as { type?: unknown }).type;
  if (type !== 'object') {
    return `the output schema must describe an object ("type": "object"; it has ${type === undefined ? 'no "type"' : `"type": ${JSON.stringify(type)}`}): the model gives the output as a tool call's input, which is an object`;
  }
  const chars = JSON.stringify(schema).length;
  if (chars > MAX_OUTPUT_SCHEMA_CHARS) return `the output schema is ${chars} characters of JSON; it travels with the run and may have at most ${MAX_OUTPUT_SCHEMA_CHARS}`;
  return undefined;
}

/** The schema as a run carries it: without `$schema` (the model's tool schema and the validator take the schema's own dialect, 2020-12). */
export function outputSchemaOf(schema: JsonObject): JsonObject {
  const { $schema: _ignored, ...rest } = schema;
  return rest;
}

/** The output tool as the model sees it. */
export function outputToolSpec(schema: JsonObject): ToolSpec {
  return { name: OUTPUT_TOOL, description: OUTPUT_DESCRIPTION, inputSchema: outputSchemaOf(schema) };
}

/** The error that ends a run whose model gave no output that fits; the workflow fails the run with it, non-retryable. */
export class StructuredOutputError extends Error {
  override name = 'StructuredOutputError';
}

/** What a run with output carries across continue-as-new. */
export interface OutputCarry {
  /** Outputs that did not fit (and text answers after a forced call) so far. */
  retries: number;
  /** The next model call must call the output tool. */
  force: boolean;
}
