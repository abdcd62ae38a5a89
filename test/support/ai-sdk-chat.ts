/**
 * A chat as `useChat` keeps it, in plain Node: the AI SDK's own `AbstractChat` (the class
 * `@ai-sdk/react`'s `Chat` extends) over its `DefaultChatTransport`, with the messages in memory
 * instead of React state. It sends what the browser sends (the whole conversation, the approvals
 * answered with `addToolApprovalResponse`, the automatic send once they are all answered) and reads
 * the chat handler's answers with the AI SDK's own stream processing.
 */
import { AbstractChat, DefaultChatTransport, lastAssistantMessageIsCompleteWithApprovalResponses, type ChatState, type ChatStatus, type UIMessage } from 'ai';
import { setTimeout as sleep } from 'node:timers/promises';

class MemoryChatState implements ChatState<UIMessage> {
  status: ChatStatus = 'ready';
  error: Error | undefined = undefined;
  messages: UIMessage[] = [];
  pushMessage = (message: UIMessage) => {
    this.messages = [...this.messages, message];
  };
  popMessage = () => {
    this.messages = this.messages.slice(0, -1);
  };
  replaceMessage = (index: number, message: UIMessage) => {
    this.messages = [...this.messages.slice(0, index), message, ...this.messages.slice(index + 1)];
  };
  snapshot = <T>(thing: T): T => structuredClone(thing);
}

export type FetchHandler = (request: Request) => Promise<Response>;

export class NodeChat extends AbstractChat<UIMessage> {
  /** Every error the chat reported (error parts of the stream, failed requests). */
  readonly errors: Error[];

  constructor(id: string, handler: FetchHandler, api = 'http://chat.test/api/chat') {
    const errors: Error[] = [];
    super({
      id,
      state: new MemoryChatState(),
      transport: new DefaultChatTransport({ api, fetch: (input, init) => handler(new Request(input as string, init)) }),
      sendAutomaticallyWhen: lastAssistantMessageIsCompleteWithApprovalResponses,
      onError: (error) => errors.push(error),
    });
    this.errors = errors;
  }

  /** Resolves once no request is in flight (an automatic send after an approval included), failing after 60 s. */
  async settled(): Promise<void> {
    for (let round = 0; round < 1200; round += 1) {
      await sleep(50);
      const busy = (this as unknown as { activeResponse?: unknown; activeResumeRequest?: unknown }).activeResponse !== undefined;
      if (!busy && (this.status === 'ready' || this.status === 'error')) return;
    }
    throw new Error(`the chat did not settle: status ${this.status}`);
  }

  /** The last assistant message. */
  get answer(): UIMessage | undefined {
    return [...this.messages].reverse().find((message) => message.role === 'assistant');
  }

  /** The tool parts of the last assistant message (static and dynamic). */
  get toolParts(): ToolPartView[] {
    return (this.answer?.parts ?? []).filter((part) => part.type === 'dynamic-tool' || part.type.startsWith('tool-')) as unknown as ToolPartView[];
  }

  /** The text of the last assistant message. */
  get text(): string {
    return (this.answer?.parts ?? []).flatMap((part) => (part.type === 'text' ? [part.text] : [])).join('');
  }
}

export interface ToolPartView {
  type: string;
  toolCallId: string;
  toolName?: string;
  state: string;
  input?: unknown;
  output?: unknown;
  errorText?: string;
  approval?: { id: string; approved?: boolean; descriptor?: { binding?: Record<string, string>; question?: unknown }; requestReason?: string; reason?: string };
}
