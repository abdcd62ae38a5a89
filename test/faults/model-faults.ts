/**
 * Fault 3: everything a model endpoint can do wrong. Each run ends in a defined state with a
 * readable reason, and no workflow task fails (a failing task would retry forever, stuck).
 */
import type { ScriptedReply } from '../support/fake-bedrock.js';
import type { FaultContext } from './context.js';
import { assertThat, type FaultReport } from './harness.js';

interface ModelFault {
  name: string;
  replies: ScriptedReply[];
  outcome: 'completed' | 'failed';
  /** Matched against the failure reason, or against what the model was told in its last request. */
  expect: RegExp;
}

const ok: ScriptedReply = { kind: 'text', text: 'fine' };
const error = (type: string, status: number): ScriptedReply => ({ kind: 'error', type, status, message: `${type} from the fault suite` });

const FAULTS: ModelFault[] = [
  { name: 'throttling burst (4 × 429)', replies: [...Array(4).fill(error('ThrottlingException', 429)), ok], outcome: 'completed', expect: /fine/ },
  { name: '5xx burst (500, 503, 500)', replies: [error('InternalServerException', 500), error('ServiceUnavailableException', 503), error('InternalServerException', 500), ok], outcome: 'completed', expect: /fine/ },
  { name: 'slow response past the activity timeout', replies: [{ kind: 'delay', ms: 2500, then: ok }, ok], outcome: 'completed', expect: /fine/ },
  { name: 'malformed body', replies: [{ kind: 'raw', status: 200, body: '{"output": {"message": ' }], outcome: 'failed', expect: /MalformedModelResponse: unparseable response body/ },
  { name: 'body of the wrong shape', replies: [{ kind: 'raw', status: 200, body: '{"output": {"message": {"role": "user", "content": "x"}}}' }], outcome: 'failed', expect: /MalformedModelResponse/ },
  { name: 'empty message', replies: [{ kind: 'raw', status: 200, body: JSON.stringify({ output: { message: { role: 'assistant', content: [] } }, stopReason: 'end_turn', usage: { inputTokens: 1, outputTokens: 0, totalTokens: 1 } }) }], outcome: 'failed', expect: /the model returned an empty message/ },
  { name: 'unknown tool name', replies: [{ kind: 'toolUse', uses: [{ name: 'rm_rf', input: {} }] }, ok], outcome: 'completed', expect: /Unknown tool \\"rm_rf\\"/ },
  { name: 'tool input failing the schema', replies: [{ kind: 'toolUse', uses: [{ name: 'record_action', input: { label: [] } }] }, ok], outcome: 'completed', expect: /Invalid input for tool \\"record_action\\"/ },
  { name: 'access denied', replies: [error('AccessDeniedException', 403)], outcome: 'failed', expect: /AccessDeniedException: AccessDeniedException from the fault suite \(HTTP 403\)/ },
  { name: 'validation error', replies: [error('ValidationException', 400)], outcome: 'failed', expect: /ValidationException/ },
  { name: 'unknown error type with a 500', replies: [{ kind: 'raw', status: 500, body: '{}' }, ok], outcome: 'completed', expect: /fine/ },
];

export async function modelFaults(context: FaultContext, report: FaultReport): Promise<void> {
  const group = 'model faults';
  await context.startWorker();
  await Promise.all(
    FAULTS.map((fault, index) =>
      report.check(group, fault.name, async () => {
        const modelId = `faults-model-${process.pid}-${index}`;
        context.bedrock.scriptFor(modelId, ...fault.replies);
        const { workflowId } = await context.agents.start({
          agent: 'test-tools', prompt: fault.name, model: { provider: 'bedrock', modelId }, timeouts: { model: '1s' },
        });
        const status = await context.agents.wait(workflowId, { timeoutMs: 60_000 });
        assertThat(status.status === fault.outcome, `ended ${status.status}${status.error ? `: ${status.error}` : ''}, expected ${fault.outcome}`);
        const told = JSON.stringify(context.bedrock.requests.filter((request) => request.modelId === modelId).at(-1)?.body.messages ?? []);
        const evidence = fault.outcome === 'failed' ? status.error ?? '' : `${told} ${JSON.stringify(status.lastMessage)}`;
        assertThat(fault.expect.test(evidence), `expected ${fault.expect} in: ${evidence.slice(0, 300)}`);
        const history = await context.client.workflow.getHandle(workflowId).fetchHistory();
        const failedTasks = history.events!.filter((event) => event.workflowTaskFailedEventAttributes).length;
        assertThat(failedTasks === 0, `${failedTasks} workflow tasks failed`);
        return fault.outcome === 'failed' ? `failed: ${status.error}` : 'completed';
      }),
    ),
  );
  await context.killWorkers();
}
