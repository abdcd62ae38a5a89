/**
 * `durable-hitl-agents/client`: start runs, wait for them, answer their interrupts, read the inbox
 * and sessions; and the message definitions, for your own Temporal client code.
 */
export { AgentClient, AgentClientError, failureMessage, type CallToolOptions, type StartOptions, type StartedRun } from '../sdk/agent-client.js';
export { DurableAgent, type DurableAgentOptions, type DurableAgentResult, type DurableInterruptResponse } from '../sdk/strands-agent.js';
export { chatHandler, type ChatApprovalDescriptor, type ChatHandler, type ChatHandlerOptions, type ChatRunMetadata } from '../ai-sdk/chat-handler.js';
export { ServiceSigner, SERVICE_KEY_NAME } from '../server/service-key.js';
export { inboxQuery, InboxSetupError, listInbox, listInboxPage, openRun, WAITING_QUERY, type InboxFilter, type InboxItem, type InboxPage, type InboxPageOptions, type ListedRun, type UnreadRun } from '../sdk/inbox.js';
export { missingSearchAttributes, registerSearchAttributes } from '../sdk/search-attributes-setup.js';
export { connectClient, type TemporalTarget } from '../temporal/connection.js';
export {
  AGENT_RUN_WORKFLOW,
  respondSignal,
  respondUpdate,
  statusQuery,
  TASK_QUEUE,
  type AgentRunInput,
  type AgentRunResult,
  type RunPhase,
  type RunStatus,
} from '../workflows/messages.js';
export {
  editStateUpdate,
  SESSION_WORKFLOW,
  sessionQuery,
  sessionWorkflowId,
  submitRunUpdate,
  type SessionInput,
  type SessionView,
  type SubmitRun,
} from '../workflows/session-messages.js';
export type { AnsweredInterrupt, Interrupt, InterruptResponse } from '../agent/interrupts.js';
export type { StateChange } from '../agent/state.js';
export type { ModelChoice } from '../agent/types.js';
export { clientDataConverter, clientDataConverterFromEnv } from '../codec/data-converter.js';
export { encryptionKeys, encryptionKeysFromEnv, parseKey, type EncryptionKey, type EncryptionKeys } from '../codec/keys.js';
export { codecRoutes, type CodecRoutesOptions } from '../codec/codec-routes.js';
export { describeDeployment, setCurrentVersion, retireProblem, type DeploymentView, type VersionView } from '../cli/versions.js';
