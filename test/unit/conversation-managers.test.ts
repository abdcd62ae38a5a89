/**
 * Conversation managers (src/agent/conversation.ts), pure: the sliding window over any
 * conversation and any window (fast-check), Strands' own scenarios for its sliding window and its
 * summarizer's split point (tests/strands/agent/test_conversation_manager.py and
 * test_summarizing_conversation_manager.py, where our rules agree, and where they differ, why),
 * and the agent loop with each manager on an in-memory runtime: what each model call is sent, the
 * one summary call, a summary carried across a hand-off, and tool-use ids still unique.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { z } from 'zod';
import {
  carriesToolResults,
  opensTurn,
  slidingWindow,
  summarizing,
  summarySplit,
  summaryState,
  SUMMARY_PREFIX,
  SUMMARY_SYSTEM_PROMPT,
  transcriptOf,
  windowOf,
  type ConversationManager,
} from '../../src/agent/conversation.js';
import { defineAgent, defineTool, type AgentDefinition } from '../../src/agent/definition.js';
import { AgentLoop, type AgentRunOptions, type RunCarry } from '../../src/agent/loop.js';
import type { AgentRuntime } from '../../src/agent/runtime.js';
import type { Message, ModelRequest, ModelResponse, ToolUse } from '../../src/agent/types.js';

const user = (text: string): Message => ({ role: 'user', content: [{ text }] });
const assistant = (text: string): Message => ({ role: 'assistant', content: [{ text }] });
const use = (id: string, name = 'tool1'): Message => ({ role: 'assistant', content: [{ toolUse: { toolUseId: id, name, input: {} } }] });
const result = (id: string, text = ''): Message => ({ role: 'user', content: [{ toolResult: { toolUseId: id, content: text ? [{ text }] : [], status: 'success' } }] });

/** Every toolUse has its toolResult later in the list, and every toolResult its toolUse earlier. */
function pairsIntact(messages: readonly Message[]): string | undefined {
  const used = new Set<string>();
  const answered = new Set<string>();
  for (const message of messages) {
    for (const block of message.content) {
      if ('toolUse' in block) used.add(block.toolUse.toolUseId);
      if ('toolResult' in block) {
        if (!used.has(block.toolResult.toolUseId)) return `toolResult ${block.toolResult.toolUseId} without its toolUse`;
        answered.add(block.toolResult.toolUseId);
      }
    }
  }
  const unanswered = [...used].filter((id) => !answered.has(id));
  return unanswered.length ? `toolUse ${unanswered.join(', ')} without its toolResult` : undefined;
}

describe("Strands' sliding window scenarios", () => {
  // test_apply_management, cases 0-4: under the window, nothing changes (ours: whatever the last message is).
  test('under the window the conversation is sent as it is', () => {
    const cases: Array<[number, Message[]]> = [
      [3, [user('Hello'), assistant('Hi there')]],
      [2, [result('123')]],
      [2, [user('Hello')]],
      [3, [use('123')]],
      [3, [result('123'), use('123')]],
    ];
    for (const [window, messages] of cases) assert.deepEqual(windowOf(messages, window), messages);
  });

  test('case 5: a dangling assistant message and the answer before it go; the window starts at the prompt', () => {
    const messages = [user('First'), assistant('First response'), user('Use a tool'), use('123')];
    assert.deepEqual(windowOf(messages, 3), [user('Use a tool'), use('123')]);
  });

  test('case 6: the oldest exchange is dropped', () => {
    const messages = [user('First message'), assistant('First response'), user('Second message'), assistant('Second response')];
    assert.deepEqual(windowOf(messages, 2), [user('Second message'), assistant('Second response')]);
  });

  test('case 7: a tool pair is not split; with no room for the prompt, the window starts at the next prompt', () => {
    const messages = [user('Hello'), use('123'), result('123'), assistant('Done'), user('Next')];
    assert.deepEqual(windowOf(messages, 2), [user('Next')]);
  });

  // Strands gives [Follow up] for case 8 and [Another question] for case 9: it never keeps a prompt in
  // front. Ours keeps the prompt of the turn when the window would start at an assistant message and
  // there is room: more of the conversation, and still a user message first.
  test('cases 8 and 9: no orphan toolResult first; an assistant start keeps its turn prompt in front', () => {
    const eight = [user('First message'), use('123'), result('123'), assistant('Response after tool use'), user('Follow up')];
    assert.deepEqual(windowOf(eight, 3), [user('First message'), assistant('Response after tool use'), user('Follow up')]);
    const nine = [user('First message'), use('123'), result('123'), use('456'), result('456'), assistant('Final response'), user('Another question')];
    assert.deepEqual(windowOf(nine, 4), [user('First message'), assistant('Final response'), user('Another question')]);
  });

  test('GitHub #2085: the window starts with a user message', () => {
    const messages = [user('Hello'), assistant('Hi'), user('How are you?'), assistant('Good'), user('Great')];
    assert.deepEqual(windowOf(messages, 3), [user('How are you?'), assistant('Good'), user('Great')]);
  });

  test('a plain conversation keeps exactly the window', () => {
    const messages = [user('First'), assistant('First response'), user('Second'), assistant('Second response'), user('Third'), assistant('Third response')];
    assert.deepEqual(windowOf(messages, 4), messages.slice(2));
  });

  test('a conversation that cannot be trimmed is sent whole', () => {
    const messages = [use('456'), result('789')];
    assert.deepEqual(windowOf(messages, 1), messages);
  });

  // Strands falls back to [a3, r3, final]: Bedrock and Anthropic refuse a conversation that starts with the assistant.
  test('a tool-heavy conversation keeps its prompt, then the newest tool pair', () => {
    const messages = [user('Review this PR'), use('1', 'get_diff'), result('1', 'diff'), use('2', 'get_file'), result('2', 'file'), use('3', 'get_tree'), result('3', 'tree'), assistant('Here is my review')];
    assert.deepEqual(windowOf(messages, 4), [user('Review this PR'), use('3', 'get_tree'), result('3', 'tree'), assistant('Here is my review')]);
  });

  test('a toolResult that answers a toolUse further back is not cut off from it', () => {
    // Not what the loop makes, but the rule holds: the result's toolUse must stay in the window.
    const messages = [user('go'), use('a'), user('between'), result('a'), assistant('done'), user('next')];
    const window = windowOf(messages, 5);
    assert.equal(pairsIntact(window), undefined);
    // [between, result a, done, next] would fit, but its toolResult would have lost its toolUse.
    assert.deepEqual(window, [user('between'), assistant('done'), user('next')]);
  });
});

/** A session's conversation: turns of a prompt, tool exchanges (1-3 parallel calls), and maybe a final answer. */
const conversationArb = fc
  .array(
    fc.record({
      exchanges: fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 6 }),
      ending: fc.constantFrom('answer', 'none', 'output-request'),
    }),
    { minLength: 1, maxLength: 5 },
  )
  .map((turns) => {
    const messages: Message[] = [];
    let id = 0;
    turns.forEach((turn, t) => {
      messages.push(user(`prompt ${t}`));
      for (const calls of turn.exchanges) {
        const ids = Array.from({ length: calls }, () => `tu${id++}`);
        messages.push({ role: 'assistant', content: ids.map((toolUseId) => ({ toolUse: { toolUseId, name: 'tool', input: { n: toolUseId } } })) });
        messages.push({ role: 'user', content: ids.map((toolUseId) => ({ toolResult: { toolUseId, content: [{ text: `result ${toolUseId}` }], status: 'success' as const } })) });
      }
      if (turn.ending === 'answer') messages.push(assistant(`answer ${t}`));
      if (turn.ending === 'output-request') messages.push(assistant(`text ${t}`), user('Now give your final answer'));
    });
    return messages;
  });

describe('the sliding window, as properties', () => {
  const windowArb = fc.integer({ min: 3, max: 30 }).chain((maxMessages) => fc.tuple(fc.constant(maxMessages), fc.integer({ min: 1, max: maxMessages - 1 })));

  test('any conversation, any window: at most maxMessages, the last message kept, a prompt first, no pair split', () => {
    fc.assert(
      fc.property(conversationArb, windowArb, (messages, [maxMessages, slideBy]) => {
        const window = windowOf(messages, maxMessages, slideBy);
        assert.ok(window.length <= maxMessages, `${window.length} messages for a window of ${maxMessages}`);
        assert.equal(window.at(-1), messages.at(-1), 'the last message is kept');
        assert.ok(opensTurn(window[0]!), 'the window starts with a user message that is not tool results');
        assert.equal(pairsIntact(window), undefined);
        // The newest messages, the conversation's own objects, with at most one earlier prompt in front of an assistant message.
        const suffix = (list: readonly Message[]) => list.every((message, index) => message === messages[messages.length - list.length + index]);
        if (!suffix(window)) {
          assert.ok(suffix(window.slice(1)), 'the window is the newest messages, and one more in front');
          assert.equal(window[1]?.role, 'assistant', 'a prompt is kept in front of an assistant message only');
          assert.ok(messages.indexOf(window[0]!) < messages.length - window.length + 1, 'the prompt in front comes from before the window');
        }
        if (messages.length <= maxMessages) assert.deepEqual(window, messages);
        else assert.ok(window.length >= Math.min(messages.length, maxMessages - slideBy - 2), `only ${window.length} messages kept of ${maxMessages}`);
      }),
      { numRuns: 500 },
    );
  });

  test('the window holds the conversation’s own objects, not copies', () => {
    fc.assert(
      fc.property(conversationArb, windowArb, (messages, [maxMessages, slideBy]) => {
        for (const message of windowOf(messages, maxMessages, slideBy)) assert.ok(messages.includes(message));
      }),
    );
  });

  test('between two steps, each call only adds messages to the window (the model activity then gets only the new ones)', () => {
    // A run of 60 tool calls, as the loop sees it before each model call.
    const conversation: Message[] = [user('do it all')];
    const sent: Message[][] = [];
    for (let call = 0; call < 60; call++) {
      sent.push(windowOf(conversation, 20, 5));
      conversation.push(use(`t${call}`), result(`t${call}`, 'ok'));
    }
    let restarts = 0;
    for (let i = 1; i < sent.length; i++) {
      const [before, now] = [sent[i - 1]!, sent[i]!];
      if (!before.every((message, index) => now[index] === message)) restarts += 1;
    }
    // 121 messages at the end: the window restarted about every 5 messages (2.5 calls), not at every call.
    assert.ok(restarts > 0, 'the window moved');
    assert.ok(restarts <= 25, `${restarts} restarts in 60 calls`);
    const oneByOne = Array.from({ length: 60 }, (_, call) => windowOf(conversation.slice(0, 1 + 2 * call), 20, 1));
    let slides = 0;
    for (let i = 1; i < oneByOne.length; i++) if (!oneByOne[i - 1]!.every((message, index) => oneByOne[i]![index] === message)) slides += 1;
    assert.ok(slides >= 45, `slideBy 1 moves at every call once full: ${slides}`);
  });
});

describe("the summarizer's split point (Strands' scenarios)", () => {
  const toolPair = [user('Message 1'), use('123', 'test_tool'), result('123', 'Tool output'), assistant('Response after tool')];

  test('a split on a toolResult moves forward past it', () => {
    assert.equal(summarySplit(toolPair, 0, 2), 3);
    assert.equal(summarySplit(toolPair, 0, 1), 3);
    // Strands summarizes one message here; we need two or more.
    assert.equal(summarySplit(toolPair, 0, 3), undefined);
  });

  test('a toolResult at the end: forward finds a toolUse message, kept with its result nowhere to split', () => {
    const messages = [user('Message 1'), assistant('Response 1'), result('123', 'Tool output'), use('456', 'different_tool')];
    assert.equal(summarySplit(messages, 0, 2), 3);
  });

  test('no valid split forward: backward, never leaving a toolResult without its toolUse', () => {
    // Strands raises here; we look backward, and "Message between" cannot be the start either
    // (the toolResult after it answers the toolUse before it).
    const messages = [user('Message 1'), use('123', 'test_tool'), user('Message between'), result('123', 'Tool output')];
    assert.equal(summarySplit(messages, 0, 1), undefined);
  });

  test('too few messages to summarize', () => {
    const messages = [user('Message 1'), assistant('Response 1'), user('Message 2')];
    assert.equal(summarySplit(messages, 0, 3), undefined);
    assert.equal(summarySplit(messages, 0, 5), undefined);
    // From a summary that already covers the first message, one message left is too few.
    assert.equal(summarySplit(messages, 1, 1), undefined);
  });

  test('the summary replaces the oldest messages; the recent ones stay (test_reduce_context_with_summarization)', () => {
    const messages = [user('Message 1'), assistant('Response 1'), user('Message 2'), assistant('Response 2'), user('Message 3'), assistant('Response 3')];
    const split = summarySplit(messages, 0, 2);
    assert.equal(split, 4);
    const state = summaryState('This is a summary of the conversation.', messages, split!);
    // The first kept message is a prompt: the summary goes in front of it, in one user message.
    assert.deepEqual(state.message, { role: 'user', content: [{ text: `${SUMMARY_PREFIX}This is a summary of the conversation.` }, { text: 'Message 3' }] });
    assert.equal(state.through, 5);
    assert.equal(state.covered, 4);
  });

  test('tool pairs at the start are summarized together (test_reduce_context_tool_pair_adjustment_works_with_forward_search)', () => {
    const messages = [use('123', 'test_tool'), result('123', 'Tool output'), user('Latest message')];
    assert.equal(summarySplit(messages, 0, 1), 2);
  });

  test('any conversation: the summarized part and the kept part keep every pair whole', () => {
    fc.assert(
      fc.property(conversationArb, fc.integer({ min: 1, max: 12 }), fc.nat(6), (messages, keepRecent, fromPick) => {
        const from = Math.min(fromPick, messages.length);
        const split = summarySplit(messages, from, keepRecent);
        if (split === undefined) return;
        assert.ok(split - from >= 2);
        assert.ok(!carriesToolResults(messages[split] ?? user('end')), 'the kept part does not start with tool results');
        assert.equal(pairsIntact(messages.slice(split)), undefined);
      }),
      { numRuns: 300 },
    );
  });

  test('the transcript names tool calls and results, and clips long blocks', () => {
    const text = transcriptOf([user('hi'), use('t1', 'read'), result('t1', 'x'.repeat(5000)), assistant('done')]);
    assert.match(text, /^User: hi\nAssistant called tool read \(t1\) with \{\}\nTool t1 returned: x{4000}… \[1000 more characters\]\nAssistant: done$/);
  });
});

describe('defineAgent takes a conversation manager', () => {
  const base = { name: 'cm', description: 'd', systemPrompt: 's', tools: [] };

  test('options are checked', () => {
    assert.throws(() => slidingWindow({ maxMessages: 2 }), /maxMessages must be an integer of 3 or more/);
    assert.throws(() => slidingWindow({ maxMessages: 10, slideBy: 10 }), /slideBy must be an integer from 1 to 9/);
    assert.deepEqual(slidingWindow({ maxMessages: 40 }), { kind: 'slidingWindow', maxMessages: 40, slideBy: 10 });
    assert.throws(() => summarizing({ keepRecent: 10, triggerMessages: 12 }), /above keepRecent \+ 2/);
    assert.throws(() => summarizing({ keepRecent: 0 }), /keepRecent must be an integer/);
    assert.throws(() => summarizing({ summaryModel: 'nope' }), /invalid model/);
    assert.deepEqual(summarizing(), { kind: 'summarizing', keepRecent: 10, triggerMessages: 40, triggerChars: undefined, summaryModel: undefined, summaryPrompt: SUMMARY_SYSTEM_PROMPT });
    assert.equal(summarizing({ triggerChars: 50_000 }).triggerMessages, undefined);
    assert.throws(() => defineAgent({ ...base, conversation: { kind: 'window', maxMessages: 3 } as unknown as ConversationManager }), /agent "cm": conversation must be made by slidingWindow/);
    assert.throws(() => defineAgent({ ...base, conversation: { kind: 'slidingWindow', maxMessages: 1, slideBy: 1 } }), /agent "cm": slidingWindow: maxMessages/);
    assert.throws(() => defineAgent({ ...base, conversation: { kind: 'summarizing', keepRecent: 4 } as unknown as ConversationManager }), /needs a summary prompt and a trigger/);
    assert.equal(defineAgent({ ...base, conversation: slidingWindow({ maxMessages: 5 }) }).conversation?.kind, 'slidingWindow');
  });
});

// --- The loop with a manager, on an in-memory runtime ---

const step = defineTool({ name: 'step', description: 'one step', input: z.object({ n: z.number() }) });

interface FakeRun {
  requests: Array<{ request: ModelRequest; revision: number | undefined }>;
  runtime: AgentRuntime;
}

/** A model that calls `step` `steps` times (with the tool-use id `repeatId` when given, else unique ones), then answers. */
function fakeRuntime(steps: number, options: { repeatId?: string; summaries?: string[] } = {}): FakeRun {
  const requests: FakeRun['requests'] = [];
  let turns = 0;
  const summaries = [...(options.summaries ?? ['the summary'])];
  const usage = { inputTokens: 10, outputTokens: 1, totalTokens: 11 };
  const runtime: AgentRuntime = {
    callModel: async (request, revision) => {
      requests.push({ request: structuredClone(request), revision });
      if (revision === undefined) return { message: assistant(summaries.shift() ?? 'another summary'), stopReason: 'end_turn', usage } satisfies ModelResponse;
      turns += 1;
      if (turns > steps) return { message: assistant('all done'), stopReason: 'end_turn', usage };
      const toolUse: ToolUse = { toolUseId: options.repeatId ?? `call${turns}`, name: 'step', input: { n: turns } };
      return { message: { role: 'assistant', content: [{ toolUse }] }, stopReason: 'tool_use', usage };
    },
    runTool: async (call) => ({ type: 'result', result: { toolUseId: call.toolUse.toolUseId, content: [{ text: `did ${JSON.stringify(call.toolUse.input)}` }], status: 'success' }, stateChanges: [] }),
    waitUntil: async () => true,
    now: () => new Date(0),
    patched: () => true,
    approverKeys: async () => ({}),
    runSubAgent: async () => {
      throw new Error('no sub-agents here');
    },
    remoteTools: async () => [],
  };
  return { requests, runtime };
}

function agentWith(conversation?: ConversationManager): AgentDefinition {
  return defineAgent({ name: 'stepper', description: 'steps', systemPrompt: 'Take steps.', tools: [step], maxModelCalls: 50, ...(conversation ? { conversation } : {}) });
}

const OPTIONS: AgentRunOptions = { prompt: 'Take the steps.', model: { provider: 'fake', modelId: 'm' }, runId: 'run-1' };
const turnCalls = (run: FakeRun) => run.requests.filter((entry) => entry.revision !== undefined).map((entry) => entry.request);
const summaryCalls = (run: FakeRun) => run.requests.filter((entry) => entry.revision === undefined).map((entry) => entry.request);

describe('the loop with a conversation manager', () => {
  test('without one, every call is sent the whole conversation', async () => {
    const run = fakeRuntime(8);
    const outcome = await new AgentLoop(agentWith(), run.runtime, OPTIONS).run();
    assert.equal(outcome.type, 'finished');
    const calls = turnCalls(run);
    assert.equal(calls.length, 9);
    assert.deepEqual(calls.map((call) => call.messages.length), [1, 3, 5, 7, 9, 11, 13, 15, 17]);
    assert.equal(summaryCalls(run).length, 0);
  });

  test('slidingWindow: each call is sent at most maxMessages, its prompt first, pairs whole; the run keeps them all', async () => {
    const run = fakeRuntime(12);
    const outcome = await new AgentLoop(agentWith(slidingWindow({ maxMessages: 6, slideBy: 2 })), run.runtime, OPTIONS).run();
    assert.equal(outcome.type, 'finished');
    if (outcome.type !== 'finished') return;
    const calls = turnCalls(run);
    assert.equal(calls.length, 13);
    for (const call of calls) {
      assert.ok(call.messages.length <= 6, `${call.messages.length} messages sent`);
      assert.deepEqual(call.messages[0], user('Take the steps.'));
      assert.equal(pairsIntact(call.messages), undefined);
    }
    // The last call sees the newest pairs, not the first ones.
    const last = calls.at(-1)!;
    assert.deepEqual(last.messages.at(-1), result('call12', 'did {"n":12}'));
    assert.ok(!JSON.stringify(last.messages).includes('"call1"'), 'the oldest tool call is out of the window');
    assert.equal(outcome.result.messages.length, 26, 'the run keeps its whole conversation');
    assert.equal(summaryCalls(run).length, 0);
  });

  test('summarizing: one summary call when the trigger passes; later calls start with the summary', async () => {
    const run = fakeRuntime(5, { summaries: ['Steps 1 and 2 were taken.'] });
    const manager = summarizing({ keepRecent: 4, triggerMessages: 8, summaryModel: 'cheap:summarizer', summaryPrompt: 'Summarize tersely.' });
    const outcome = await new AgentLoop(agentWith(manager), run.runtime, OPTIONS).run();
    assert.equal(outcome.type, 'finished');
    if (outcome.type !== 'finished') return;
    const summaries = summaryCalls(run);
    assert.equal(summaries.length, 1, 'exactly one summary call');
    const [summary] = summaries;
    assert.deepEqual(summary!.model, { provider: 'cheap', modelId: 'summarizer' });
    assert.equal(summary!.system, 'Summarize tersely.');
    assert.deepEqual(summary!.tools, []);
    assert.equal(summary!.messages.length, 1);
    const asked = (summary!.messages[0]!.content[0] as { text: string }).text;
    assert.match(asked, /User: Take the steps\./);
    assert.match(asked, /Assistant called tool step \(call1\)/);
    assert.match(asked, /Tool call2 returned: did \{"n":2\}/);
    assert.ok(!asked.includes('(call3)'), 'the newest messages are not summarized');

    const calls = turnCalls(run);
    // 9 messages would be sent at the 5th call (> 8): the summary comes before it.
    assert.deepEqual(calls.slice(0, 4).map((call) => call.messages.length), [1, 3, 5, 7]);
    for (const call of calls.slice(4)) {
      assert.deepEqual(call.messages[0], { role: 'user', content: [{ text: `${SUMMARY_PREFIX}Steps 1 and 2 were taken.` }] });
      assert.equal(call.messages[1]!.role, 'assistant');
      assert.equal(pairsIntact(call.messages.slice(1)), undefined);
    }
    assert.equal(calls[4]!.messages.length, 5, 'the summary, then the newest 4 messages');
    assert.equal(calls.length, 6);
    assert.equal(outcome.result.messages.length, 12, 'the run keeps its whole conversation');
    assert.equal(outcome.result.usage.inputTokens, 10 * (calls.length + 1), 'the summary call counts in the usage');
    assert.equal(outcome.result.modelCalls, 6, 'but not as one of the agent’s model calls');
  });

  test('summarizing again folds the earlier summary in', async () => {
    const run = fakeRuntime(12, { summaries: ['first summary', 'second summary', 's3', 's4', 's5', 's6'] });
    const outcome = await new AgentLoop(agentWith(summarizing({ keepRecent: 4, triggerMessages: 8 })), run.runtime, OPTIONS).run();
    assert.equal(outcome.type, 'finished');
    const summaries = summaryCalls(run);
    assert.ok(summaries.length >= 2);
    const second = (summaries[1]!.messages[0]!.content[0] as { text: string }).text;
    assert.match(second, /^A summary of the conversation before this part:\nfirst summary/);
    assert.ok(!second.includes('User: Take the steps.'), 'messages the first summary covers are not sent again');
    const newest = ['first summary', 'second summary', 's3', 's4', 's5', 's6'][summaries.length - 1];
    assert.deepEqual(turnCalls(run).at(-1)!.messages[0]!.content[0], { text: `${SUMMARY_PREFIX}${newest}` });
    for (const call of turnCalls(run)) assert.ok(call.messages.length <= 8, `${call.messages.length} messages sent`);
  });

  test('a summary is carried across a hand-off: no second summary call for the same messages', async () => {
    const run = fakeRuntime(5, { summaries: ['carried summary'] });
    const agent = agentWith(summarizing({ keepRecent: 4, triggerMessages: 8 }));
    let asks = 0;
    const first = await new AgentLoop(agent, run.runtime, { ...OPTIONS, shouldHandOff: () => ++asks === 6 }).run();
    assert.equal(first.type, 'handOff');
    if (first.type !== 'handOff') return;
    const carry: RunCarry = JSON.parse(JSON.stringify(first.carry()));
    assert.equal(carry.summary?.text, 'carried summary');
    const second = await new AgentLoop(agent, run.runtime, { ...OPTIONS, messages: first.messages, carried: carry }).run();
    assert.equal(second.type, 'finished');
    assert.equal(summaryCalls(run).length, 1);
    const afterHandOff = turnCalls(run).slice(5);
    assert.equal(afterHandOff.length, 1);
    for (const call of afterHandOff) assert.deepEqual(call.messages[0]!.content[0], { text: `${SUMMARY_PREFIX}carried summary` });
  });

  test('a model that repeats a tool-use id still gets a fresh one after its first use is summarized or out of the window', async () => {
    for (const manager of [summarizing({ keepRecent: 4, triggerMessages: 8 }), slidingWindow({ maxMessages: 4, slideBy: 1 })]) {
      const run = fakeRuntime(8, { repeatId: 'call_0' });
      const outcome = await new AgentLoop(agentWith(manager), run.runtime, OPTIONS).run();
      assert.equal(outcome.type, 'finished');
      if (outcome.type !== 'finished') return;
      const ids = outcome.result.messages.flatMap((message) => message.content.flatMap((block) => ('toolUse' in block ? [block.toolUse.toolUseId] : [])));
      assert.equal(ids.length, 8);
      assert.equal(new Set(ids).size, 8, `${manager.kind}: ${ids.join(' ')}`);
    }
  });

  test('the window and the summary leave the messages sent as the conversation’s own objects, so only new ones travel', async () => {
    // workflows/runtime.ts sends only the messages after those it sent last, compared by identity.
    for (const manager of [slidingWindow({ maxMessages: 20, slideBy: 5 }), summarizing({ keepRecent: 4, triggerMessages: 10 })]) {
      const seen: Message[][] = [];
      const run = fakeRuntime(20);
      const callModel = run.runtime.callModel;
      run.runtime.callModel = (request, revision, streamId) => {
        if (revision !== undefined) seen.push(request.messages);
        return callModel(request, revision, streamId);
      };
      await new AgentLoop(agentWith(manager), run.runtime, OPTIONS).run();
      let extended = 0;
      for (let i = 1; i < seen.length; i++) if (seen[i - 1]!.every((message, index) => seen[i]![index] === message)) extended += 1;
      assert.ok(extended >= seen.length / 2, `${manager.kind}: ${extended} of ${seen.length - 1} calls only added messages`);
    }
  });
});
