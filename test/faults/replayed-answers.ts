/**
 * Fault group: answers replayed or re-aimed. A run is approved (a signed quorum, and an unsigned
 * yes), then a new execution is started under the same workflow id with another call, its model
 * sending the same tool-call id (as the demo model and OpenAI-compatible servers sending `call_0`
 * do), so its questions have the very same ids. Every `respond` payload of the first execution's
 * history is sent again to the new one, as an update and as a signal: each is refused, saying it
 * was given to another execution, and nothing of the new call runs. An answer bound to one run
 * and sent to another is refused too.
 */
import { defaultPayloadConverter } from '@temporalio/common';
import type { InterruptResponse } from '../../src/agent/interrupts.js';
import { respondSignal, respondUpdate, statusQuery } from '../../src/workflows/messages.js';
import { signedFor } from '../support/bound-answers.js';
import { readLedger } from '../support/test-tools.js';
import type { FaultContext } from './context.js';
import { assertThat, type FaultReport } from './harness.js';

export async function replayedAnswers(context: FaultContext, report: FaultReport): Promise<void> {
  const group = 'replayed answers';
  await context.startWorker();
  const { agents, client } = context;
  let models = 0;
  /** A model that asks for `tool` with `input` under the same tool-call id every time, then ends its turn. */
  const sameIdModel = (tool: string, input: object) => {
    const modelId = `faults-replayed-${process.pid}-${models++}`;
    context.bedrock.scriptFor(modelId, { kind: 'toolUse', uses: [{ name: tool, input, toolUseId: 'call_0' }] }, { kind: 'text', text: 'done' });
    return { provider: 'bedrock', modelId };
  };
  const recorded = (label: string) => readLedger(context.ledger).some((entry) => entry.label === label && entry.event !== 'attempt');

  /** Every answer in a run's history: the `respond` updates' and signals' payloads. */
  const answersIn = async (workflowId: string, runId: string): Promise<InterruptResponse[]> => {
    const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    const answers: InterruptResponse[] = [];
    for (const event of history.events ?? []) {
      const update = event.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input;
      const signal = event.workflowExecutionSignaledEventAttributes;
      const payloads = update?.name === 'respond' ? update.args?.payloads : signal?.signalName === 'respond' ? signal.input?.payloads : undefined;
      for (const payload of payloads ?? []) {
        const value = defaultPayloadConverter.fromPayload(payload) as InterruptResponse | InterruptResponse[];
        answers.push(...(Array.isArray(value) ? value : [value]));
      }
    }
    return answers;
  };

  /** Sends each answer to the run as an update and as a signal; returns the refusals, and checks nothing was applied. */
  const replayOnto = async (workflowId: string, answers: InterruptResponse[]): Promise<string[]> => {
    const handle = client.workflow.getHandle(workflowId);
    const refusals: string[] = [];
    for (const answer of answers) {
      const message = await handle.executeUpdate(respondUpdate, { args: [answer] }).then(
        () => 'accepted',
        (error: Error) => String((error.cause as Error | undefined)?.message ?? error.message),
      );
      refusals.push(message);
      await handle.signal(respondSignal, answer);
    }
    // The signals land in the run's ignored list, with the same reasons.
    let status = await handle.query(statusQuery);
    for (let i = 0; status.ignored.length < answers.length && i < 100; i++) status = await handle.query(statusQuery);
    assertThat(status.answered.length === 0, `an answer was applied: ${JSON.stringify(status.answered.map((a) => a.interruptId))}`);
    assertThat(status.ignored.length >= answers.length, `${status.ignored.length} of ${answers.length} signals recorded as ignored`);
    refusals.push(...status.ignored.map((ignored) => ignored.error));
    return refusals;
  };

  await report.check(group, 'a signed quorum replayed onto a new execution under the same id is refused; nothing runs', async () => {
    const workflowId = `replayed-quorum-${process.pid}`;
    const first = await agents.start({ agent: 'test-policy', prompt: 'first', workflowId, model: sameIdModel('record_action', { label: 'quorum-replay-first' }) });
    let status = await agents.wait(first.workflowId);
    const firstQuestion = status.pending[0]!.id;
    await agents.respond(workflowId, await signedFor('alice', agents, workflowId, { interruptId: firstQuestion, response: 'y' }));
    status = await agents.wait(workflowId);
    for (let i = 0; (status.pending.length === 0 || status.pending[0]!.id === firstQuestion) && i < 200; i++) status = await agents.status(workflowId);
    await agents.respond(workflowId, await signedFor('carol', agents, workflowId, { interruptId: status.pending[0]!.id, response: 'y' }));
    await agents.result(workflowId);
    assertThat(recorded('quorum-replay-first'), 'the approved call did not run');
    const { runId: firstRun } = await client.workflow.getHandle(workflowId).describe();
    const answers = await answersIn(workflowId, firstRun);
    assertThat(answers.length === 2 && answers.every((answer) => answer.proof && answer.binding), `expected two signed, bound answers, got ${answers.length}`);

    await agents.start({ agent: 'test-policy', prompt: 'second', workflowId, model: sameIdModel('record_action', { label: 'quorum-replay-second' }) });
    const waiting = await agents.wait(workflowId);
    assertThat(waiting.pending[0]?.id === answers[0]!.interruptId, 'the new execution asks under the same question id');
    const refusals = await replayOnto(workflowId, answers);
    // The first approval meets its question again (same id): refused for its binding. The second
    // (approval-2) meets none: the new execution has not asked it.
    assertThat(refusals.filter((message) => /another execution of/.test(message)).length === 2, `the replayed first approval was not refused as another execution's: ${refusals.join(' | ')}`);
    assertThat(refusals.every((message) => /another execution of|unknown interrupt id/.test(message)), `refused for another reason: ${refusals.join(' | ')}`);
    assertThat(!recorded('quorum-replay-second'), 'a replayed answer ran the new call');
    await agents.cancel(workflowId);
    return `${answers.length} answers × update and signal: all refused ("another execution")`;
  });

  await report.check(group, 'an unsigned yes replayed onto a new execution under the same id is refused; nothing runs', async () => {
    const workflowId = `replayed-unsigned-${process.pid}`;
    await agents.start({ agent: 'test-faults', prompt: 'first', workflowId, model: sameIdModel('apply_change', { label: 'replay-first' }) });
    const waiting = await agents.wait(workflowId);
    await agents.respond(workflowId, { interruptId: waiting.pending[0]!.id, response: 'y', respondedBy: 'pat' });
    await agents.result(workflowId);
    const { runId: firstRun } = await client.workflow.getHandle(workflowId).describe();
    const answers = await answersIn(workflowId, firstRun);
    await agents.start({ agent: 'test-faults', prompt: 'second', workflowId, model: sameIdModel('apply_change', { label: 'replay-second' }) });
    await agents.wait(workflowId);
    const refusals = await replayOnto(workflowId, answers);
    assertThat(refusals.every((message) => /another execution of/.test(message)), `refused for another reason: ${refusals[0]}`);
    assertThat(!context.sideEffects().labelsApplied.has('replay-second'), 'a replayed answer ran the new call');
    await agents.cancel(workflowId);
    return `${answers.length} answer × update and signal: refused`;
  });

  await report.check(group, 'an answer bound to one run and sent to another is refused ("another run")', async () => {
    const one = await agents.start({ agent: 'test-faults', prompt: 'one', model: sameIdModel('apply_change', { label: 'aimed-one' }) });
    const two = await agents.start({ agent: 'test-faults', prompt: 'two', model: sameIdModel('apply_change', { label: 'aimed-two' }) });
    const question = (await agents.wait(one.workflowId)).pending[0]!;
    await agents.wait(two.workflowId);
    const refused = await client.workflow
      .getHandle(two.workflowId)
      .executeUpdate(respondUpdate, { args: [{ interruptId: question.id, response: 'y', binding: question.binding }] })
      .then(
        () => 'accepted',
        (error: Error) => String((error.cause as Error | undefined)?.message ?? error.message),
      );
    assertThat(/another run/.test(refused), `not refused as re-aimed: ${refused}`);
    assertThat(!context.sideEffects().labelsApplied.has('aimed-two'), 'the re-aimed answer ran the call');
    await Promise.all([agents.cancel(one.workflowId), agents.cancel(two.workflowId)]);
    return refused.slice(0, 120);
  });
  await context.killWorkers();
}
