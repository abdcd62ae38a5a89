/**
 * `durable-hitl-agents/workflow`: the workflow half. Agent and tool definitions, hooks, approval
 * policies, interrupt types, and the agent workflows for your own workflows file. Everything here
 * runs inside the workflow sandbox, so it imports nothing from Node (test/unit/workflow-entry.test.ts).
 */
export {
  agentTool,
  defineAgent,
  defineTool,
  type McpServerRef,
  type RemoteToolDefinition,
  type SubAgentToolDefinition,
  type AgentDefinition,
  type NeedsApproval,
  type ToolContext,
  type ToolDefinition,
  type ToolImplementation,
  type ToolInterruptRequest,
} from '../agent/definition.js';
export {
  BeforeToolCallEvent,
  BeforeToolsEvent,
  HookAnswerError,
  HookRegistry,
  InterruptsPendingEvent,
  type AfterInvocationEvent,
  type CodeResponse,
  type AfterModelCallEvent,
  type AfterToolCallEvent,
  type BeforeInvocationEvent,
  type BeforeModelCallEvent,
  type DecisionNote,
  type HookCallback,
  type HookEventMap,
  type HookEventType,
  type MessageAddedEvent,
} from '../agent/hooks.js';
export { approvalPolicy } from '../agent/approval/hook.js';
export {
  slidingWindow,
  summarizing,
  SUMMARY_PREFIX,
  SUMMARY_SYSTEM_PROMPT,
  type ConversationManager,
  type SlidingWindowManager,
  type SlidingWindowOptions,
  type SummarizingManager,
  type SummarizingOptions,
} from '../agent/conversation.js';
export { fromAiSdkTools, type AiSdkToolLike, type SplitAiSdkTools } from '../ai-sdk/tools.js';
export { trustKey, type ApprovalDeadline, type ApprovalPolicy, type ApprovalRule } from '../agent/approval/policy.js';
export { parseApprovalAnswer, type ApprovalAnswer } from '../agent/approval/answers.js';
export {
  DEADLINE_RESPONDER,
  type AnsweredInterrupt,
  type CodeAnswerer,
  type IgnoredResponse,
  type Interrupt,
  type InterruptRequest,
  type InterruptResponse,
  type InterruptSource,
  type InterruptTimeout,
  type NotifySettings,
  type PathStep,
} from '../agent/interrupts.js';
export { AgentState, type StateChange } from '../agent/state.js';
export { resultText } from '../agent/types.js';
export type {
  ContentBlock,
  JsonObject,
  JsonValue,
  Message,
  ModelChoice,
  ModelRequest,
  ModelResponse,
  ToolResult,
  ToolSpec,
  ToolUse,
  Usage,
} from '../agent/types.js';
export { scriptedModel, SCRIPTED_PROVIDER, type ScriptedTurn } from '../agent/scripted-turns.js';
export { createAgentRunWorkflow } from '../workflows/agent-run.js';
export { runAgent, type RunAgentOptions } from '../workflows/run-agent.js';
export type { AcceptedAnswers, AcceptsInfo } from '../agent/accepted-answers.js';
export type { AnswerProof } from '../agent/proof.js';
export { agentSession } from '../workflows/session.js';
export { agentsOf, graphsOf, swarmsOf } from '../temporal/agents-module.js';
export type { AgentRunInput, AgentRunResult, RunPhase, RunStatus } from '../workflows/messages.js';
export { graph, type AgentNode, type FunctionNode, type GraphContext, type GraphDefinition, type GraphEdge, type GraphNode, type NodeResult } from '../agent/multi-agent/graph-definition.js';
export { swarm, type SwarmDefinition } from '../agent/multi-agent/swarm-definition.js';
export { swarmMember, handoffTool, HANDOFF_TOOL } from '../agent/multi-agent/handoff.js';
export { BeforeNodeEvent } from '../agent/multi-agent/before-node.js';
export { createGraphWorkflow } from '../workflows/graph.js';
export { createSwarmWorkflow } from '../workflows/swarm.js';
export type { MultiAgentInput, MultiAgentResult, MultiAgentStatus, MultiAgentView } from '../workflows/multi-agent-messages.js';
