/** The inbox over Temporal visibility, the Web UI's current details, search attributes, and audit. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { DEMO_MODEL_ID } from '../../src/models/provider.js';
import type { InboxItem } from '../../src/sdk/inbox.js';
import { AgentStatus, PendingInterrupts } from '../../src/workflows/search-attributes.js';
import { TestEnv } from '../support/env.js';

const DEMO = { provider: 'demo', modelId: DEMO_MODEL_ID };
let env: TestEnv;
before(async () => {
  env = await TestEnv.start();
  await env.startWorker();
});
after(async () => env?.teardown());

/** Visibility is eventually consistent: poll until `ready` holds (a few hundred ms on a dev server). */
async function inboxWhen(ready: (items: InboxItem[]) => boolean, filter = {}): Promise<InboxItem[]> {
  for (let attempt = 0; ; attempt++) {
    const items = await env.agents.inbox(filter);
    if (ready(items) || attempt > 100) return items;
    await sleep(100);
  }
}

test('the inbox lists every waiting interrupt across runs and agents, oldest first, and forgets answered ones', async () => {
  const workspace = env.workspace({ 'a.txt': 'a', 'b.txt': 'b', 'c.txt': 'c', 'd.txt': 'd' });
  const first = await env.agents.start({ agent: 'file-approval', prompt: 'Delete a.txt', model: DEMO, workspace });
  await env.agents.wait(first.workflowId);
  const second = await env.agents.start({ agent: 'smart-delete', prompt: 'Delete b.txt c.txt d.txt', model: DEMO, workspace, sessionId: 'inbox-s' });
  await env.agents.wait(second.workflowId);
  const parallel = env.model(
    { kind: 'toolUse', uses: [{ name: 'record_action', input: { label: 'p1' } }, { name: 'record_action', input: { label: 'p2' } }] },
    { kind: 'text', text: 'ok' },
  );
  const third = await env.agents.start({ agent: 'test-guarded', prompt: 'two at once', model: parallel });
  const status = await env.untilPending(third.workflowId, 2);

  const ours = new Set([first.workflowId, second.workflowId, third.workflowId]);
  const items = (await inboxWhen((list) => list.filter((item) => ours.has(item.workflowId)).length === 4)).filter((item) => ours.has(item.workflowId));
  assert.equal(items.length, 4);
  assert.deepEqual(items.map((item) => item.workflowId), [first.workflowId, second.workflowId, third.workflowId, third.workflowId]);
  const [approval, bulk] = items;
  assert.equal(approval!.agent, 'file-approval');
  assert.equal(approval!.tool, 'delete_files');
  assert.deepEqual(approval!.toolInput, { paths: ['a.txt'] });
  assert.equal(approval!.question, 'Approve deleting these files? (y/N)');
  assert.equal(bulk!.agent, 'smart-delete');
  assert.equal(bulk!.sessionId, 'inbox-s');
  assert.equal(bulk!.source, 'tool');
  assert.equal(bulk!.question, 'You are about to delete 3 files');
  assert.ok(items.every((item, index) => index === 0 || items[index - 1]!.raisedAt <= item.raisedAt), 'oldest first');
  assert.ok(approval!.ageMs >= 0);

  const onlySession = await inboxWhen((list) => list.length === 1, { sessionId: 'inbox-s' });
  assert.deepEqual(onlySession.map((item) => item.workflowId), [second.workflowId]);

  await env.agents.respond(third.workflowId, status.pending.map((interrupt) => ({ interruptId: interrupt.id, response: 'y' })));
  await env.agents.result(third.workflowId);
  const after = await inboxWhen((list) => !list.some((item) => item.workflowId === third.workflowId));
  assert.ok(!after.some((item) => item.workflowId === third.workflowId), 'answered runs leave the inbox');
  const description = await env.client.workflow.getHandle(third.workflowId).describe();
  assert.equal(description.typedSearchAttributes.get(AgentStatus), 'completed');
  assert.equal(description.typedSearchAttributes.get(PendingInterrupts), 0);
  for (const id of [first.workflowId, second.workflowId]) await env.agents.cancel(id);
});

test('the Web UI metadata: static summary, current details in words, activity summaries', async () => {
  const workspace = env.workspace({ 'a.txt': 'a', 'b.txt': 'b' });
  const { workflowId } = await env.agents.start({ agent: 'file-approval', prompt: "Please delete ['a.txt', 'b.txt']", model: DEMO, workspace });
  const waiting = await env.agents.wait(workflowId);
  const handle = env.client.workflow.getHandle(workflowId);
  const metadata = await handle.query<{ definition?: unknown; currentDetails?: string }>('__temporal_workflow_metadata');
  // Escaped markdown: everything a model or tool wrote renders as its text (see escape.ts).
  assert.match(metadata.currentDetails ?? '', /waiting for filemanager\\-approval: delete\\_files \\\['a\\\.txt', 'b\\\.txt'\\\] — “Approve deleting these files\? \\\(y\/N\\\)” \(asked \d{4}\\-\d\d\\-\d\dT[\d:\\.]+Z; id hook:beforeToolCall:demo\\_3\\_delete\\_files:filemanager\\-approval\)/);
  const description = await handle.describe();
  assert.equal(await description.staticSummary(), "file\\-approval: Please delete \\['a\\.txt', 'b\\.txt'\\]");
  assert.equal(description.typedSearchAttributes.get(AgentStatus), 'waiting');
  assert.equal(description.typedSearchAttributes.get(PendingInterrupts), 1);
  const history = await handle.fetchHistory();
  const summaries = history.events!.flatMap((event) => (event.activityTaskScheduledEventAttributes && event.userMetadata?.summary?.data ? [JSON.parse(Buffer.from(event.userMetadata.summary.data).toString())] : []));
  // The question, readable in the Web UI's timeline without opening the run's metadata.
  assert.deepEqual(summaries, [
    `model: ${DEMO_MODEL_ID}`,
    'tool: inspect_files',
    `model: ${DEMO_MODEL_ID}`,
    'notify: waiting — Approve deleting these files? \\(y/N\\) — delete\\_files \\{"paths":\\["a\\.txt","b\\.txt"\\]\\}',
  ]);
  await env.agents.respond(workflowId, { interruptId: waiting.pending[0]!.id, response: 'n', respondedBy: 'zoe', reason: 'keep them' });
  const done = await env.agents.wait(workflowId);
  assert.deepEqual(done.answered.map((a) => [a.respondedBy, a.reason, a.response]), [['zoe', 'keep them', 'n']]);
  assert.match(done.answered[0]!.answeredAt, /^\d{4}-/);
});
