/**
 * The workflow half of an agent: name, system prompt, tool specs and hooks. It is imported by
 * workflow code, so it must stay free of Node and I/O. Tool bodies live in the activity half
 * (`ToolImplementation`, registered in the worker by tool name).
 */
import { z } from 'zod';
import { toolApprovals } from './approval/hook.js';
import { conversationManagerProblem, type ConversationManager } from './conversation.js';
import type { HookRegistry } from './hooks.js';
import { parseModelChoice } from './model-choice.js';
import { nameProblem } from './names.js';
import { OUTPUT_TOOL, outputSchemaProblem } from './structured-output.js';
import type { InterruptRequest, NotifySettings } from './interrupts.js';
import type { AgentState } from './state.js';
import { describeIssues, type JsonObject, type JsonValue, type ToolSpec } from './types.js';

// zod installs its English messages as a module side effect, which the workflow bundler drops
// (zod declares itself side-effect free); without this, schema errors read only "Invalid input".
z.config(z.locales.en());

export interface ToolDefinition<Schema extends z.ZodType = z.ZodType> {
  name: string;
  description: string;
  input: Schema;
  /**
   * The AI SDK's convention: a call of this tool waits for a person's approval before it runs.
   * `true` asks for every call; a function asks for the calls it returns true for, given the input
   * as the schema parsed it and the call's id. It is an implicit rule of the approval policy
   * (approval/hook.ts): the same questions, answers, bindings, deadlines and decision log as
   * `approvalPolicy`; an agent's own policy rules (and `!tool` in its `ask`) come first.
   *
   * The function runs inside the workflow, at every call and again when the run replays: it must
   * be deterministic — decide from the input alone, with no I/O, clock or randomness (an `async`
   * function may await only other such code).
   */
  needsApproval?: NeedsApproval<z.infer<Schema>>;
  /** The JSON Schema the model sees, when it is not the one `input` generates (tools from the AI SDK's `jsonSchema()`). */
  inputSchema?: JsonObject;
}

/** When a tool's calls wait for approval: always, never, or as a deterministic function of the input decides. */
export type NeedsApproval<Input = unknown> = boolean | NeedsApprovalFunction<Input>;
// Method syntax: a tool of a narrower input still fits where any tool is taken (`tools: ToolDefinition[]`).
type NeedsApprovalFunction<Input> = { decide(input: Input, call: { toolCallId: string }): boolean | PromiseLike<boolean> }['decide'];

/**
 * A tool the run learns about when it starts, from an MCP server: its JSON Schema comes from the
 * server, which also validates the input. Hooks and policies see it by name like any other tool.
 */
export interface RemoteToolDefinition {
  name: string;
  description: string;
  inputSchema: JsonObject;
  /** Where calls go: the server's name in the worker's MCP configuration, and the tool's own name there. */
  remote: { server: string; tool: string };
}

/**
 * Another agent, called as a tool: each call is a run of that agent (a child workflow) with the
 * call's prompt; its final text is the tool's result, its questions reach people through this run.
 */
export interface SubAgentToolDefinition extends ToolDefinition<typeof subAgentInput> {
  /** The name of the agent that runs each call (registered in the same worker). */
  subAgent: string;
}

const subAgentInput = z.object({ prompt: z.string().min(1).describe('What the sub-agent should do, in full: it sees nothing else of this conversation') });

/** `tools: [agentTool(fileAgent, { description: 'Deletes files, asking first' })]`. */
export function agentTool(agent: AgentDefinition, options: { name?: string; description?: string } = {}): SubAgentToolDefinition {
  return {
    name: options.name ?? agent.name.replace(/[^A-Za-z0-9_-]/g, '_'),
    description: options.description ?? agent.description,
    input: subAgentInput,
    subAgent: agent.name,
  };
}

/** Any tool a run can call. */
export type RunTool = ToolDefinition | RemoteToolDefinition | SubAgentToolDefinition;

export function isSubAgentTool(tool: RunTool): tool is SubAgentToolDefinition {
  return 'subAgent' in tool;
}

export function isRemoteTool(tool: RunTool): tool is RemoteToolDefinition {
  return 'remote' in tool;
}

/** An MCP server an agent takes tools from (connection details live in the worker's configuration). */
export interface McpServerRef {
  /** The server's name in the worker's MCP configuration. */
  server: string;
  /** Put before each tool name the model sees (default: the names as the server gives them). */
  prefix?: string;
}

export interface AgentDefinition {
  name: string;
  description: string;
  systemPrompt: string;
  tools: Array<ToolDefinition | SubAgentToolDefinition>;
  /** MCP servers whose tools the agent also has; the list is read when a run starts and kept for the run. */
  mcpServers?: McpServerRef[];
  /** Registers the agent's hooks; called once per run. */
  hooks?: (hooks: HookRegistry) => void;
  /** Upper bound on model calls in one run (default 20). */
  maxModelCalls?: number;
  /** The model runs use unless they name one, as `provider:id` (e.g. `openai:gpt-5-mini`); default: the worker's `auto`. */
  model?: string;
  /** Who hears about the agent's questions (channel names of the worker's configuration) and how often to remind. */
  notify?: NotifySettings;
  /**
   * How the tool calls of one model turn run: all at once (default), or one after another in the
   * order the model asked, a call that waits for a person holding back the calls after it.
   */
  toolExecution?: 'parallel' | 'sequential';
  /**
   * The typed result of every run of this agent (an object schema): the model gives it through a
   * `final_output` tool, and the run ends only with an output that fits (see
   * docs/writing-agents.md, "Structured output"). A run's own `output` (AgentClient.start) replaces it.
   * Adding it to an agent changes what its runs in flight do: deploy it as a new agent or a new build.
   */
  output?: z.ZodType;
  /**
   * What the model is sent of a long conversation: `slidingWindow({ maxMessages })` or
   * `summarizing({ keepRecent, triggerMessages })` (conversation.ts; docs/writing-agents.md, "Long
   * conversations"). Default: all of it. The run's own conversation stays whole either way.
   */
  conversation?: ConversationManager;
}

/** Runs that name no model, of agents that name none: the worker picks (Bedrock with AWS credentials, else the offline demo model). */
export const AUTO_MODEL = { provider: 'auto', modelId: 'auto' } as const;

export function defineTool<Schema extends z.ZodType>(tool: ToolDefinition<Schema>): ToolDefinition<Schema> {
  return tool;
}

/**
 * Checks the agent and returns it. When some of its tools say `needsApproval`, its hooks get the
 * approval policy's hook for them, after the agent's own (an `approvalPolicy` among those judges
 * them itself, its rules first; see approval/hook.ts).
 */
export function defineAgent(agent: AgentDefinition): AgentDefinition {
  const problem = nameProblem('agent name', agent.name);
  if (problem) throw new TypeError(problem);
  if (agent.model !== undefined) parseModelChoice(agent.model);
  const names = agent.tools.map((tool) => tool.name);
  const duplicate = names.find((name, index) => names.indexOf(name) !== index);
  if (duplicate) throw new Error(`agent "${agent.name}" declares tool "${duplicate}" twice`);
  for (const tool of agent.tools) {
    const asks = tool.needsApproval;
    if (asks !== undefined && typeof asks !== 'boolean' && typeof asks !== 'function') {
      throw new TypeError(`tool "${tool.name}" of agent "${agent.name}": needsApproval must be true, false or a function of the input`);
    }
  }
  if (agent.output !== undefined) {
    const problem = outputSchemaProblem(z.toJSONSchema(agent.output));
    if (problem) throw new TypeError(`agent "${agent.name}": ${problem}`);
    if (names.includes(OUTPUT_TOOL)) throw new TypeError(`agent "${agent.name}" has an output schema and a tool named "${OUTPUT_TOOL}", the name its output tool takes; rename the tool`);
  }
  if (agent.conversation !== undefined) {
    const problem = conversationManagerProblem(agent.conversation);
    if (problem) throw new TypeError(`agent "${agent.name}": ${problem}`);
  }
  if (!agent.tools.some((tool) => tool.needsApproval !== undefined && tool.needsApproval !== false)) return agent;
  const own = agent.hooks;
  return {
    ...agent,
    hooks: (hooks) => {
      own?.(hooks);
      toolApprovals(hooks);
    },
  };
}

/** The tool as the model sees it: JSON Schema generated from the zod schema, or the one the tool gives (an MCP server's, an AI SDK tool's). */
export function toolSpecOf(tool: RunTool): ToolSpec {
  if (isRemoteTool(tool)) return { name: tool.name, description: tool.description, inputSchema: tool.inputSchema };
  if (tool.inputSchema !== undefined) return { name: tool.name, description: tool.description, inputSchema: tool.inputSchema };
  const { $schema: _ignored, ...schema } = z.toJSONSchema(tool.input) as Record<string, unknown>;
  return { name: tool.name, description: tool.description, inputSchema: schema as JsonObject };
}

/**
 * The input as the tool will get it, or why it does not fit. Local tools parse it with their zod
 * schema; remote tools need a JSON object and leave the rest to their server.
 */
export function checkToolInput(tool: RunTool, input: unknown): { ok: true; input: JsonValue } | { ok: false; problem: string } {
  if (isRemoteTool(tool)) {
    return input !== null && typeof input === 'object' && !Array.isArray(input) ? { ok: true, input: input as JsonValue } : { ok: false, problem: '(input): expected an object' };
  }
  const parsed = tool.input.safeParse(input);
  return parsed.success ? { ok: true, input: parsed.data as JsonValue } : { ok: false, problem: describeIssues(parsed.error.issues) };
}

/** What a tool body receives besides its input. Implemented in the tool activity. */
export interface ToolContext {
  /** The run's agent state; changes are sent back to the run when the tool returns. */
  readonly state: AgentState;
  readonly toolUseId: string;
  readonly agentName: string;
  /** `<workflowId>:<toolUseId>`: the same on every retry of this call, unique across calls. */
  readonly idempotencyKey: string;
  /** The folder the run chose (`--workspace`), as given: file tools resolve it beneath `workspaceRoots`. */
  readonly workspace: string | undefined;
  /** The folders this worker lets tools touch: as configured, and with symlinks resolved. */
  readonly workspaceRoots: readonly { readonly path: string; readonly real: string }[];
  /** Records progress and heartbeats now; the activity repeats the last details while the body runs. */
  heartbeat(details?: JsonValue): void;
  /** 1 on the first attempt; 2 and up when Temporal retries a lost attempt (a worker died mid-call). */
  readonly attempt: number;
  /** The last heartbeat details the server received from the previous attempt (may lag its last call). */
  readonly previousHeartbeat: JsonValue | undefined;
  /**
   * Aborted when Temporal cancels this attempt, above all when the worker shuts down and its grace
   * ran out. Stop at a safe point (pass it to `fetch`, check it between steps) and throw: the
   * attempt ends unfinished and Temporal retries it on another worker, with the same idempotency
   * key. A body that ignores it runs on until the worker stops without it.
   */
  readonly signal: AbortSignal;
  /**
   * Asks a human. Returns the answer when there is one; otherwise ends this attempt of the tool,
   * the run waits for the answer, and the tool runs again with the answer available.
   */
  interrupt(request: ToolInterruptRequest): JsonValue;
}

/** What a tool may ask with: a name, a reason, a preset answer, the accepted words (deadlines and validators belong to hooks). */
export type ToolInterruptRequest = Pick<InterruptRequest, 'name' | 'reason' | 'response'> & {
  /** The words the question accepts, e.g. `['y', 'n']`; others are refused (default: any JSON). */
  choices?: string[];
};

export type ToolImplementation<Input = never> = (input: Input, context: ToolContext) => Promise<JsonValue> | JsonValue;

/** Binds a tool body to its definition, so the input type follows the schema. */
export function implementTool<Schema extends z.ZodType>(
  tool: ToolDefinition<Schema>,
  body: ToolImplementation<z.infer<Schema>>,
): { name: string; body: ToolImplementation<unknown> } {
  return { name: tool.name, body: body as ToolImplementation<unknown> };
}
