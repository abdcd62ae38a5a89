/**
 * `durable-hitl-agents/worker`: the Temporal plugin and everything that runs in activities: tool
 * bodies, model providers. `createAgentWorker` is a convenience over the plugin.
 */
export { AgentsPlugin, agentsPlugin, type AgentDeployment, type AgentsPluginOptions } from '../plugin.js';
export { createAgentWorker, deploymentFromEnv, type AgentWorkerOptions } from '../worker.js';
export { implementTool, type ToolContext, type ToolImplementation } from '../agent/definition.js';
export { createActivities, type ActivityDependencies, type RegisteredTool } from '../activities/index.js';
export { DEFAULT_BEDROCK_MODEL_ID, DEMO_MODEL_ID, type ModelProvider } from '../models/provider.js';
export { BedrockProvider, bedrockOptionsFromEnv, type BedrockOptions } from '../models/bedrock.js';
export { OpenAIProvider, openaiOptionsFromEnv, type OpenAIOptions } from '../models/openai.js';
export { AnthropicProvider, anthropicOptionsFromEnv, type AnthropicOptions } from '../models/anthropic.js';
export { DemoProvider } from '../models/demo.js';
export { ScriptedProvider } from '../models/scripted.js';
export { defaultProviders, type OtherProviderOptions } from '../models/default-providers.js';
export { createMcpTools, McpClientPool, type HttpServerConfig, type McpOptions, type McpServerConfig, type McpServers, type RunPlace, type StdioServerConfig } from '../mcp/index.js';
export { AutoProvider } from '../models/auto.js';
export { aiSdkProvider, AiSdkModelProvider, type AiSdkCallSettings, type AiSdkLanguageModel, type AiSdkProviderOptions } from '../ai-sdk/model-provider.js';
export { fromAiSdkTools, type AiSdkToolLike, type SplitAiSdkTools } from '../ai-sdk/tools.js';
export { DEFAULT_MODEL_IDS } from '../models/provider.js';
export { connectWorker } from '../temporal/connection.js';
export { TASK_QUEUE } from '../workflows/messages.js';
export { EncryptionCodec } from '../codec/encryption-codec.js';
export { encryptionKeys, encryptionKeysFromEnv, parseKey, type EncryptionKey, type EncryptionKeys } from '../codec/keys.js';
export { FAILURE_CONVERTER_PATH, workerDataConverter } from '../codec/data-converter.js';
export { prometheusTelemetry } from '../observability/prometheus.js';
export { startTracing, type Tracing } from '../observability/tracing.js';
