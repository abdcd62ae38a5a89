/** The built-in example agents (workflow half). Imported by the workflow bundle: keep it Node-free. */
import { fileApprovalAgent } from './file-approval.js';
import { smartDeleteAgent } from './smart-delete.js';
import { trustedFilesAgent } from './trusted-files.js';
import { opsFilesAgent, policyApprovalAgent, policyTrustAgent } from './policy-files.js';
import { mcpFilesAgent } from './mcp-files.js';
import { fileCoordinatorAgent, plannerAgent } from './file-coordinator.js';
import { multiAgentExampleAgents } from './multi-agent.js';

export const exampleAgents = [fileApprovalAgent, smartDeleteAgent, trustedFilesAgent, policyApprovalAgent, policyTrustAgent, opsFilesAgent, mcpFilesAgent, fileCoordinatorAgent, plannerAgent, ...multiAgentExampleAgents];
