/** Errors the CLI reports as one line (`error: <message>` on stderr, exit code 1). */
import { escapeInline } from '../agent/escape.js';
import { AgentClientError } from '../sdk/agent-client.js';

/** A user mistake or a refused request, detected by the CLI itself. */
export class CliError extends Error {
  override name = 'CliError';
}

/** Ctrl-C while the CLI was working: stop quietly with exit code 130. */
export class Interrupted extends Error {
  override name = 'Interrupted';
  constructor(message = 'interrupted') {
    super(message);
  }
}

/** The one-line message for any error: never a stack trace. */
export function errorLine(error: unknown): string {
  if (error instanceof CliError || error instanceof AgentClientError) return oneLine(error.message);
  const err = error as { message?: unknown; details?: unknown; cause?: { message?: unknown; details?: unknown } } | undefined;
  // gRPC service errors carry the server's words in `details`, also when the client wraps them ("Failed to describe workflow").
  const details = (typeof err?.details === 'string' && err.details) || (typeof err?.cause?.details === 'string' && err.cause.details) || '';
  const message = (typeof err?.message === 'string' && err.message) || (typeof err?.cause?.message === 'string' && err.cause.message) || '';
  const text = details && message && !message.includes(details) ? `${message}: ${details}` : details || message || String(error);
  return oneLine(text);
}

/** Lines joined; then any control character left (an error may quote a model or a tool) escaped. */
function oneLine(text: string): string {
  const flat = text.split('\n').map((line) => line.trim()).filter(Boolean).join(' ');
  return escapeInline(flat) || 'unknown error';
}
