/**
 * Files through the official filesystem MCP server (`@modelcontextprotocol/server-filesystem`),
 * which the worker runs over stdio on the run's workspace folder (its `filesystem` server).
 * Reading and listing run freely; anything that changes the folder asks first, and so does any
 * tool a later version of the server adds.
 */
import { approvalPolicy } from '../agent/approval/hook.js';
import { defineAgent } from '../agent/definition.js';

export const MCP_FILES_READ_TOOLS = [
  'read_file',
  'read_text_file',
  'read_media_file',
  'read_multiple_files',
  'list_directory',
  'list_directory_with_sizes',
  'directory_tree',
  'search_files',
  'get_file_info',
  'list_allowed_directories',
];
export const MCP_FILES_WRITE_TOOLS = ['write_file', 'edit_file', 'move_file', 'create_directory'];

export const mcpFilesAgent = defineAgent({
  name: 'mcp-files',
  description: 'Reads and changes files in the workspace through the filesystem MCP server; asks before any change.',
  systemPrompt:
    'You are a file assistant working in one folder through the filesystem tools. Give paths relative to that folder. ' +
    'Read or list before you change anything, and report exactly what you changed.',
  tools: [],
  mcpServers: [{ server: 'filesystem' }],
  hooks: approvalPolicy({ allow: MCP_FILES_READ_TOOLS, ask: [...MCP_FILES_WRITE_TOOLS, '*'] }),
});
