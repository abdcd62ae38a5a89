/**
 * The page: `useChat` from `@ai-sdk/react`, as in any AI SDK app. Behind it each message starts a
 * durable run; its approval questions show as tool approval requests, answered with
 * `addToolApprovalResponse`; `resume` picks the chat's run up after a reload, in a second tab or on
 * another machine (the chat id is in the address: open the same address there).
 */
import { useChat } from '@ai-sdk/react';
import { DefaultChatTransport, lastAssistantMessageIsCompleteWithApprovalResponses, type UIMessage } from 'ai';
import { StrictMode, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';

/** The chat id: from the address, or a new one put there (a reload keeps it). */
function chatId(): string {
  const fromAddress = decodeURIComponent(location.hash.slice(1));
  if (/^[A-Za-z0-9._-]{1,64}$/.test(fromAddress)) return fromAddress;
  const id = `chat-${crypto.randomUUID().slice(0, 8)}`;
  history.replaceState(null, '', `#${id}`);
  return id;
}

interface ToolPart {
  type: string;
  toolName?: string;
  toolCallId: string;
  state: string;
  input?: unknown;
  output?: unknown;
  errorText?: string;
  approval?: { id: string; approved?: boolean; requestReason?: string; reason?: string };
}

function App({ id }: { id: string }) {
  const [input, setInput] = useState('');
  const [me, setMe] = useState<string | null>(null);
  const { messages, sendMessage, addToolApprovalResponse, status, error } = useChat({
    id,
    resume: true,
    transport: new DefaultChatTransport({ api: '/api/chat' }),
    // Once every question of the answer is approved or denied, the answers go to the run.
    sendAutomaticallyWhen: lastAssistantMessageIsCompleteWithApprovalResponses,
  });
  useEffect(() => {
    void fetch('/api/me').then(async (response) => setMe(((await response.json()) as { user: string | null }).user));
  }, []);

  return (
    <main>
      <header>
        <h1>Refund chat</h1>
        <span className="who" data-testid="who">
          {me ? `signed in as ${me}` : 'not signed in'} · chat {id} · {status}
        </span>
      </header>
      {messages.map((message) => (
        <Message key={message.id} message={message} respond={(approvalId, approved) => void addToolApprovalResponse({ id: approvalId, approved })} />
      ))}
      {error && (
        <p className="error" data-testid="error">
          {error.message}
        </p>
      )}
      <form
        onSubmit={(event) => {
          event.preventDefault();
          if (!input.trim()) return;
          void sendMessage({ text: input });
          setInput('');
        }}
      >
        <div>
          <input data-testid="prompt" value={input} placeholder="Refund 40 EUR for order A-17" onChange={(event) => setInput(event.currentTarget.value)} />
        </div>
      </form>
    </main>
  );
}

function Message({ message, respond }: { message: UIMessage; respond: (approvalId: string, approved: boolean) => void }) {
  const metadata = message.metadata as { prompt?: string; runId?: string } | undefined;
  return (
    <section className={`message ${message.role}`} data-testid={`message-${message.role}`} data-run={metadata?.runId}>
      <div className="role">{message.role === 'user' ? 'you' : `agent${metadata?.runId ? ` · run ${metadata.runId}` : ''}`}</div>
      {/* After a reload the prompt is not in the browser any more: the run says what it was. */}
      {message.role === 'assistant' && metadata?.prompt && <div className="prompt" data-testid="run-prompt">asked: {metadata.prompt}</div>}
      {message.parts.map((part, index) => {
        if (part.type === 'text') return <p key={index} data-testid={`${message.role}-text`}>{part.text}</p>;
        if (part.type === 'dynamic-tool' || part.type.startsWith('tool-')) return <Tool key={index} part={part as unknown as ToolPart} respond={respond} />;
        return null;
      })}
    </section>
  );
}

function Tool({ part, respond }: { part: ToolPart; respond: (approvalId: string, approved: boolean) => void }) {
  const name = part.toolName ?? part.type.replace(/^tool-/, '');
  return (
    <div className="tool" data-testid="tool" data-state={part.state}>
      <strong>{name}</strong> <code>{JSON.stringify(part.input)}</code>
      {part.state === 'approval-requested' && part.approval && (
        <div>
          <p>{part.approval.requestReason ?? 'Approve this call?'}</p>
          <button className="approve" data-testid="approve" onClick={() => respond(part.approval!.id, true)}>
            Approve
          </button>
          <button data-testid="deny" onClick={() => respond(part.approval!.id, false)}>
            Deny
          </button>
        </div>
      )}
      {part.state === 'approval-responded' && <p data-testid="responded">{part.approval?.approved ? 'Approved' : 'Denied'}{part.approval?.reason ? ` (${part.approval.reason})` : ''}, waiting for the run…</p>}
      {part.state === 'output-available' && <pre data-testid="tool-output">{typeof part.output === 'string' ? part.output : JSON.stringify(part.output)}</pre>}
      {part.state === 'output-error' && <pre data-testid="tool-error">{part.errorText}</pre>}
      {part.state === 'output-denied' && <p data-testid="tool-denied">Denied.</p>}
    </div>
  );
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App id={chatId()} />
  </StrictMode>,
);
