/**
 * An offline model, so the example runs without a key: an AI SDK language model (specification v4,
 * what `@ai-sdk/openai-compatible`, `@ai-sdk/google` or `@ai-sdk/groq` give you) that answers by
 * rule and streams its text word by word. The worker registers it through `aiSdkProvider`, exactly
 * as it would register `groq` or `createOpenAICompatible({...})`:
 *
 *   agentsPlugin({ models: { offline: aiSdkProvider(offlineModel) } })   // then `offline:refunds`
 *   agentsPlugin({ models: { groq: aiSdkProvider(groq) } })              // then `groq:llama-3.3-70b-versatile`
 */
import type { LanguageModelV4, LanguageModelV4CallOptions, LanguageModelV4StreamPart } from '@ai-sdk/provider';
import { aiSdkProvider } from '../../src/entries/worker.js';

/** The pause between two streamed words: enough to watch the answer arrive. */
const WORD_PAUSE_MS = 40;

export const offlineModel: LanguageModelV4 = {
  specificationVersion: 'v4',
  provider: 'offline',
  modelId: 'refunds',
  supportedUrls: {},
  doGenerate: () => Promise.reject(new Error('the offline model only streams')),
  doStream: async (options) => ({ stream: streamOf(answer(options)) }),
};

export const chatModels = { offline: aiSdkProvider(offlineModel) };

interface Answer {
  text: string;
  refund?: { order: string; amount: number };
}

/** The rules: a refund request asks for the tool; a tool result is reported; anything else gets help. */
function answer(options: LanguageModelV4CallOptions): Answer {
  const last = options.prompt.at(-1);
  if (last?.role === 'tool') {
    const result = last.content.find((part) => part.type === 'tool-result');
    const output = result?.type === 'tool-result' ? result.output : undefined;
    if (output?.type === 'json') {
      const { refunded, order, reference } = output.value as { refunded: number; order: string; reference: string };
      return { text: `Done: refunded ${refunded} for order ${order} (reference ${reference}).` };
    }
    const why = output && 'value' in output ? String(output.value) : 'no reason given';
    return { text: `I did not refund it: ${why}` };
  }
  const said = last?.role === 'user' ? last.content.flatMap((part) => (part.type === 'text' ? [part.text] : [])).join(' ') : '';
  const order = /\border\s+([A-Za-z0-9-]+)/i.exec(said)?.[1];
  const amount = Number(/(\d+(?:\.\d+)?)/.exec(said.replace(/\border\s+[A-Za-z0-9-]+/i, ''))?.[1] ?? NaN);
  if (order && Number.isFinite(amount) && amount > 0) {
    return { text: `I will refund ${amount} for order ${order}. A person approves refunds first.`, refund: { order, amount } };
  }
  return { text: 'Tell me what to refund, for example: Refund 40 EUR for order A-17.' };
}

/** The answer as a v4 stream: the text word by word, the tool call, the finish with usage. */
function streamOf({ text, refund }: Answer): ReadableStream<LanguageModelV4StreamPart> {
  const words = text.split(/(?<= )/);
  let index = 0;
  return new ReadableStream<LanguageModelV4StreamPart>({
    async pull(controller) {
      if (index === 0) {
        controller.enqueue({ type: 'stream-start', warnings: [] });
        controller.enqueue({ type: 'text-start', id: 'text' });
      }
      if (index < words.length) {
        if (index > 0) await new Promise((resolve) => setTimeout(resolve, WORD_PAUSE_MS));
        controller.enqueue({ type: 'text-delta', id: 'text', delta: words[index]! });
        index += 1;
        return;
      }
      controller.enqueue({ type: 'text-end', id: 'text' });
      if (refund) controller.enqueue({ type: 'tool-call', toolCallId: `refund-${refund.order}`, toolName: 'issue_refund', input: JSON.stringify(refund) });
      controller.enqueue({
        type: 'finish',
        finishReason: refund ? { unified: 'tool-calls', raw: 'tool_calls' } : { unified: 'stop', raw: 'stop' },
        usage: { inputTokens: { total: 20, noCache: 20, cacheRead: 0, cacheWrite: 0 }, outputTokens: { total: words.length, text: words.length, reasoning: 0 } },
      });
      controller.close();
    },
  });
}
