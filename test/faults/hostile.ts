/**
 * Fault group: people and models that do not play fair. Forged identities, replayed and stale
 * proofs, a model that reuses its tool-call ids, payloads past Temporal's limits, and a flood of
 * huge signals. Each case checks the one thing that must hold: no side effect without the right
 * person's approval of that exact call, and no run lost or stuck.
 */
import { respondSignal, respondUpdate, statusQuery, type RunStatus } from '../../src/workflows/messages.js';
import { signedBy } from '../support/approvers.js';
import type { FaultContext } from './context.js';
import { assertThat, type FaultReport } from './harness.js';

export async function hostile(context: FaultContext, report: FaultReport): Promise<void> {
  const group = 'hostile input';
  await context.startWorker();
  const agents = context.agents;
  let models = 0;
  const script = (...replies: Parameters<FaultContext['bedrock']['scriptFor']>[1][]) => {
    const modelId = `faults-hostile-${process.pid}-${models++}`;
    context.bedrock.scriptFor(modelId, ...replies);
    return { provider: 'bedrock', modelId };
  };
  const waitingRun = async (agent: string, label: string) => {
    const model = script({ kind: 'toolUse', uses: [{ name: 'apply_change', input: { label } }] }, { kind: 'text', text: 'done' });
    const { workflowId } = await agents.start({ agent, prompt: label, model });
    return { workflowId, status: await agents.wait(workflowId) };
  };
  const refusal = async (promise: Promise<unknown>): Promise<string> => {
    try {
      await promise;
    } catch (error) {
      return (error as Error).message;
    }
    throw new Error('accepted, expected a refusal');
  };
  const applied = (label: string) => context.sideEffects().labelsApplied.has(label);

  // A quorum of two named approvers (test-policy rule: labels starting with "quorum").
  const quorum = await (async () => {
    const model = script({ kind: 'toolUse', uses: [{ name: 'record_action', input: { label: 'quorum-hostile' } }] }, { kind: 'text', text: 'ok' });
    const { workflowId } = await agents.start({ agent: 'test-policy', prompt: 'q', model });
    const { id, binding } = (await agents.wait(workflowId)).pending[0]!;
    return { workflowId, id, binding };
  })();
  const bound = { interruptId: quorum.id, binding: quorum.binding };
  const forged: Array<[string, () => Promise<string>]> = [
    ['a claimed name without a signature', () => refusal(agents.respond(quorum.workflowId, { ...bound, response: 'y', respondedBy: 'alice' }))],
    ["alice's name on mallory's signature", () => refusal(agents.respond(quorum.workflowId, { ...signedBy('mallory', quorum.workflowId, { ...bound, response: 'y' }), respondedBy: 'alice' }))],
    ['a signature for another run', () => refusal(agents.respond(quorum.workflowId, signedBy('alice', 'another-run', { ...bound, response: 'y' })))],
    ['a signature over another answer', () => refusal(agents.respond(quorum.workflowId, { ...signedBy('alice', quorum.workflowId, { ...bound, response: 'n' }), response: 'y' }))],
    ['a signature made an hour ago', () => refusal(agents.respond(quorum.workflowId, signedBy('alice', quorum.workflowId, { ...bound, response: 'y' }, new Date(Date.now() - 3_600_000))))],
    ['a signed answer from someone who is no approver', () => refusal(agents.respond(quorum.workflowId, signedBy('mallory', quorum.workflowId, { ...bound, response: 'y' })))],
    ['a signature of garbage', () => refusal(agents.respond(quorum.workflowId, { ...bound, response: 'y', respondedBy: 'alice', proof: { signedAt: new Date().toISOString(), signature: 'f'.repeat(128) } }))],
    ['a signed answer whose binding was moved to another question', () => refusal(agents.respond(quorum.workflowId, { ...signedBy('alice', quorum.workflowId, { ...bound, response: 'y' }), binding: { ...quorum.binding!, question: '0'.repeat(64) } }))],
    ['an answer signed without a binding (the old format), sent raw', () => refusal(context.client.workflow.getHandle(quorum.workflowId).executeUpdate(respondUpdate, { args: [signedBy('alice', quorum.workflowId, { interruptId: quorum.id, response: 'y' })] }))],
  ];
  for (const [name, body] of forged) {
    await report.check(group, `forged identity: ${name}`, async () => {
      const message = await body();
      assertThat(!/bob|carol/.test(message), `the refusal names approvers: ${message}`);
      const now = await agents.status(quorum.workflowId);
      assertThat(now.status === 'waiting' && now.answered.length === 0, 'an answer was recorded');
      return message.slice(0, 140);
    });
  }
  await report.check(group, 'forged identity on the signal path is recorded as ignored, never counted', async () => {
    const handle = context.client.workflow.getHandle(quorum.workflowId);
    await handle.signal(respondSignal, { ...bound, response: 'y', respondedBy: 'bob' });
    let status: RunStatus = await handle.query(statusQuery);
    for (let i = 0; status.ignored.length === 0 && i < 100; i++) status = await handle.query(statusQuery);
    assertThat(status.answered.length === 0, 'the claim was counted');
    return `ignored: ${status.ignored.at(-1)?.error.slice(0, 100)}`;
  });
  await report.check(group, 'two proven approvers complete the quorum; the audit marks both verified', async () => {
    await agents.respond(quorum.workflowId, signedBy('alice', quorum.workflowId, { ...bound, response: 'y' }));
    let status = await agents.wait(quorum.workflowId);
    for (let i = 0; status.pending[0]?.id === quorum.id && i < 100; i++) status = await agents.status(quorum.workflowId);
    await agents.respond(quorum.workflowId, signedBy('carol', quorum.workflowId, { interruptId: status.pending[0]!.id, response: 'y', binding: status.pending[0]!.binding }));
    const result = await agents.result(quorum.workflowId);
    assertThat(result.interrupts.every((answer) => answer.verified === true), 'an unverified answer counted');
    return result.interrupts.map((answer) => `${answer.respondedBy} verified`).join(', ');
  });

  await report.check(group, 'a model that reuses its tool-call id: the second call is asked again', async () => {
    const model = script(
      { kind: 'toolUse', uses: [{ name: 'apply_change', input: { label: 'reuse-first' }, toolUseId: 'call_0' }] },
      { kind: 'toolUse', uses: [{ name: 'apply_change', input: { label: 'reuse-second' }, toolUseId: 'call_0' }] },
      { kind: 'text', text: 'done' },
    );
    const { workflowId } = await agents.start({ agent: 'test-faults', prompt: 'reuse', model });
    const first = await agents.wait(workflowId);
    await agents.respond(workflowId, { interruptId: first.pending[0]!.id, response: 'y' });
    let second = await agents.wait(workflowId);
    for (let i = 0; second.pending[0]?.id === first.pending[0]!.id && i < 100; i++) second = await agents.status(workflowId);
    assertThat(second.status === 'waiting', `the second call was not asked (${second.status})`);
    assertThat(second.pending[0]!.id !== first.pending[0]!.id, 'the same interrupt id twice');
    assertThat(!applied('reuse-second'), 'the second call ran on the first answer');
    await agents.respond(workflowId, { interruptId: second.pending[0]!.id, response: 'n' });
    const result = await agents.result(workflowId);
    assertThat(applied('reuse-first') && !applied('reuse-second'), 'wrong side effects');
    return `${result.interrupts.length} answers: ${result.interrupts.map((answer) => answer.interruptId).join(', ')}`;
  });

  await report.check(group, 'a flood of 1.9 MB signals while a run waits: it hands off instead of growing to its end', async () => {
    const { workflowId, status } = await waitingRun('test-faults', 'flooded');
    const handle = context.client.workflow.getHandle(workflowId);
    const huge = 'z'.repeat(1_900_000);
    for (let i = 0; i < 6; i++) await handle.signal(respondSignal, { interruptId: `flood-${i}`, response: huge });
    const after = await agents.wait(workflowId);
    assertThat(after.status === 'waiting' && after.pending[0]?.id === status.pending[0]!.id, 'the question was lost');
    await agents.respond(workflowId, { interruptId: status.pending[0]!.id, response: 'y' });
    const result = await agents.result(workflowId);
    const runs = new Set<string>();
    for await (const execution of context.client.workflow.list({ query: `WorkflowId = "${workflowId}"` })) runs.add(execution.runId);
    assertThat(applied('flooded'), 'the approved change did not run');
    return `completed after ${runs.size} runs of the workflow; ${result.interrupts.length} answer`;
  });

  await report.check(group, 'an answer sent the moment a flooded run hands off is applied once: never refused, never lost', async () => {
    const model = script({ kind: 'toolUse', uses: [{ name: 'ask_twice', input: { label: 'hand-off window' } }] }, { kind: 'text', text: 'done' });
    const { workflowId } = await agents.start({ agent: 'test-tools', prompt: 'window', model });
    const first = (await agents.wait(workflowId)).pending[0]!;
    const handle = context.client.workflow.getHandle(workflowId);
    const firstRun = (await handle.describe()).runId;
    const huge = 'z'.repeat(1_900_000);
    for (let i = 0; i < 6; i++) await handle.signal(respondSignal, { interruptId: `window-${i}`, response: huge });
    // Answer as soon as the new run exists: before it has run the tool again to ask its question again.
    for (let i = 0; (await handle.describe()).runId === firstRun && i < 2000; i++);
    await agents.respond(workflowId, { interruptId: first.id, response: 'one' });
    let second = await agents.wait(workflowId);
    for (let i = 0; second.pending[0]?.id === first.id && i < 100; i++) second = await agents.status(workflowId);
    await agents.respond(workflowId, { interruptId: second.pending[0]!.id, response: 'two' });
    const result = await agents.result(workflowId);
    const answers = result.interrupts.map((answer) => answer.response);
    assertThat(JSON.stringify(answers) === '["one","two"]', `answers applied: ${JSON.stringify(answers)}`);
    return `answered ${first.id} as the run handed off; completed with ${answers.length} answers`;
  });

  const budgets: Array<[string, string]> = [
    ['an approved 450 KB tool input', 'b'.repeat(450_000)],
    ['a 600 KB tool input (refused to the model)', 'c'.repeat(600_000)],
  ];
  for (const [name, label] of budgets) {
    await report.check(group, `payload budget: ${name}`, async () => {
      const model = script({ kind: 'toolUse', uses: [{ name: 'apply_change', input: { label } }] }, { kind: 'text', text: 'done' });
      const { workflowId } = await agents.start({ agent: 'test-faults', prompt: 'big', model });
      const status = await agents.wait(workflowId);
      if (status.status === 'waiting') await agents.respond(workflowId, { interruptId: status.pending[0]!.id, response: 'y' });
      const result = await agents.result(workflowId);
      const ran = applied(label);
      assertThat(ran === label.length < 512 * 1024, `ran: ${ran}`);
      return `completed; ${JSON.stringify(result).length} bytes of result; ran: ${ran}`;
    });
  }
  await report.check(group, 'payload budget: a prompt over 256 KB is refused at the door', async () => {
    const message = await refusal(agents.start({ agent: 'test-faults', prompt: 'p'.repeat(300_000), model: script({ kind: 'text', text: 'never' }) }));
    assertThat(/prompts are limited/.test(message), message);
    return message.slice(0, 140);
  });
  await report.check(group, 'an unknown agent is refused before the run starts', async () => {
    const message = await refusal(agents.start({ agent: 'no-such-agent', prompt: 'hi' }));
    assertThat(/unknown agent/.test(message), message);
    return message.slice(0, 140);
  });
  await context.killWorkers();
}
