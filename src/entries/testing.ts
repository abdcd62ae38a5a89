/**
 * `durable-hitl-agents/testing`: test your own agents' approval flows against a real Temporal dev
 * server with scripted models, offline.
 */
export { AgentTestEnvironment, type AgentTestEnvironmentOptions } from '../testing/environment.js';
export { ScriptedModels, SCRIPTED_PROVIDER, type ScriptedTurn } from '../testing/scripted-models.js';
export { scriptedModel } from '../agent/scripted-turns.js';
export { startDevServer, startTimeSkippingServer, type DevServerOptions } from '../temporal/dev-server.js';
