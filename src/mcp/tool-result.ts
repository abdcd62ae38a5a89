/**
 * An MCP `tools/call` result as a tool result the model reads: text blocks stay text, structured
 * content becomes JSON, media and embedded blobs become a short note (they would not fit the
 * run's history), `isError: true` becomes an error result. Structured content, when a tool gives
 * it, stands for the text blocks (servers copy it there for older clients).
 */
import { errorResult, type JsonValue, type ToolResult, type ToolResultContent } from '../agent/types.js';

interface McpContent {
  type: string;
  text?: string;
  mimeType?: string;
  data?: string;
  uri?: string;
  name?: string;
  resource?: { uri?: string; mimeType?: string; text?: string; blob?: string };
}

interface McpCallResult {
  content?: McpContent[];
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
  /** Servers of protocol 2024-10-07 and before answer with this instead of `content`. */
  toolResult?: unknown;
}

export function toolResultFromMcp(toolUseId: string, toolName: string, result: McpCallResult): ToolResult {
  const content: ToolResultContent[] = [];
  const structured = result.structuredContent ?? (result.content === undefined ? result.toolResult : undefined);
  if (structured !== undefined) content.push({ json: structured as JsonValue });
  for (const block of result.content ?? []) {
    // With structured content, text blocks are its copy for older clients (the spec asks servers for that): show it once.
    if (structured !== undefined && block.type === 'text') continue;
    content.push({ text: textOf(block) });
  }
  if (result.isError === true) {
    const texts = content.map((block) => ('text' in block ? block.text : JSON.stringify(block.json))).join('\n');
    return errorResult(toolUseId, `Tool "${toolName}" failed: ${texts || 'the MCP server reported an error without a message'}`);
  }
  return { toolUseId, status: 'success', content: content.length > 0 ? content : [{ text: '(the tool returned no content)' }] };
}

function textOf(block: McpContent): string {
  switch (block.type) {
    case 'text':
      return block.text ?? '';
    case 'image':
    case 'audio':
      return `[${block.type} ${block.mimeType ?? ''}, ${Math.floor(((block.data ?? '').length * 3) / 4)} bytes, not shown]`;
    case 'resource_link':
      return `[resource ${block.name ?? ''} ${block.uri ?? ''}]`;
    case 'resource':
      return block.resource?.text ?? `[resource ${block.resource?.uri ?? ''} (${block.resource?.mimeType ?? 'binary'}), not shown]`;
    default:
      return `[${block.type} content, not shown]`;
  }
}
