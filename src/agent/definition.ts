/**
 * The workflow half of an agent: name, system prompt, tool specs and hooks. It is imported by
 * workflow code, so it must stay free of Node and I/O. Tool bodies live in the activity half
 * (`ToolImplementation`, registered in the worker by tool name).
 */
import { z } from 'zod';
import type { HookRegistry } from './hooks.js';
import { parseModelChoice } from './model-choice.js';
import { nameProblem } from './names.js';
import type { InterruptRequest } from './interrupts.js';
import type { AgentState } from './state.js';
import type { JsonObject, JsonValue, ToolSpec } from './types.js';

// zod installs its English messages as a module side effect, which the workflow bundler drops
// (zod declares itself side-effect free); without this, schema errors read only "Invalid input".
z.config(z.locales.en());

export interface ToolDefinition<Schema extends z.ZodType = z.ZodType> {
  name: string;
  description: string;
  input: Schema;
}

export interface AgentDefinition {
  name: string;
  description: string;
  systemPrompt: string;
  tools: ToolDefinition[];
  /** Registers the agent's hooks; called once per run. */
  hooks?: (hooks: HookRegistry) => void;
  /** Upper bound on model calls in one run (default 20). */
  maxModelCalls?: number;
  /** The model runs use unless they name one, as `provider:id` (e.g. `openai:gpt-5-mini`); default: the worker's `auto`. */
  model?: string;
}

/** Runs that name no model, of agents that name none: the worker picks (Bedrock with AWS credentials, else the offline demo model). */
export const AUTO_MODEL = { provider: 'auto', modelId: 'auto' } as const;

export function defineTool<Schema extends z.ZodType>(tool: ToolDefinition<Schema>): ToolDefinition<Schema> {
  return tool;
}

export function defineAgent(agent: AgentDefinition): AgentDefinition {
  const problem = nameProblem('agent name', agent.name);
  if (problem) throw new TypeError(problem);
  if (agent.model !== undefined) parseModelChoice(agent.model);
  const names = agent.tools.map((tool) => tool.name);
  const duplicate = names.find((name, index) => names.indexOf(name) !== index);
  if (duplicate) throw new Error(`agent "${agent.name}" declares tool "${duplicate}" twice`);
  return agent;
}

/** The tool as the model sees it: JSON Schema generated from the zod schema. */
export function toolSpecOf(tool: ToolDefinition): ToolSpec {
  const { $schema: _ignored, ...schema } = z.toJSONSchema(tool.input) as Record<string, unknown>;
  return { name: tool.name, description: tool.description, inputSchema: schema as JsonObject };
}

/** What a tool body receives besides its input. Implemented in the tool activity. */
export interface ToolContext {
  /** The run's agent state; changes are sent back to the run when the tool returns. */
  readonly state: AgentState;
  readonly toolUseId: string;
  readonly agentName: string;
  /** `<workflowId>:<toolUseId>`: the same on every retry of this call, unique across calls. */
  readonly idempotencyKey: string;
  /** The folder the file tools may touch, when the run has one. */
  readonly workspace: string | undefined;
  /**
   * Asks a human. Returns the answer when there is one; otherwise ends this attempt of the tool,
   * the run waits for the answer, and the tool runs again with the answer available.
   */
  interrupt(request: ToolInterruptRequest): JsonValue;
}

/** What a tool may ask with: a name, a reason, a preset answer (deadlines and answer checks belong to hooks). */
export type ToolInterruptRequest = Pick<InterruptRequest, 'name' | 'reason' | 'response'>;

export type ToolImplementation<Input = never> = (input: Input, context: ToolContext) => Promise<JsonValue> | JsonValue;

/** Binds a tool body to its definition, so the input type follows the schema. */
export function implementTool<Schema extends z.ZodType>(
  tool: ToolDefinition<Schema>,
  body: ToolImplementation<z.infer<Schema>>,
): { name: string; body: ToolImplementation<unknown> } {
  return { name: tool.name, body: body as ToolImplementation<unknown> };
}
