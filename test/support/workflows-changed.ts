/**
 * A deliberately incompatible version of the workflows: file-approval without its approval hook.
 * The replay test uses it to prove that the replay check catches a change that would break runs
 * in flight (it must fail on the recorded file-approval histories).
 */
import { fileApprovalAgent } from '../../src/agents/file-approval.js';
import { smartDeleteAgent } from '../../src/agents/smart-delete.js';
import { createAgentRunWorkflow } from '../../src/workflows/agent-run.js';

const { hooks: _removed, ...withoutHook } = fileApprovalAgent;

export const agentRun = createAgentRunWorkflow([withoutHook, smartDeleteAgent]);
