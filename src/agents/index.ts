/** The built-in example agents (workflow half). Imported by the workflow bundle: keep it Node-free. */
import { fileApprovalAgent } from './file-approval.js';
import { smartDeleteAgent } from './smart-delete.js';
import { trustedFilesAgent } from './trusted-files.js';

export const exampleAgents = [fileApprovalAgent, smartDeleteAgent, trustedFilesAgent];
