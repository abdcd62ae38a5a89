/**
 * Asks the run's model whether a tool call is risky. The verdict is advice: a failure of any kind
 * (the model call fails, the reply is not the JSON asked for) means "ask a person", never "run".
 */
import type { BeforeToolCallEvent } from '../hooks.js';

export interface RiskAssessment {
  risky: boolean | null;
  reason: string;
  [key: string]: string | boolean | null;
}

const SYSTEM =
  'You assess the risk of one tool call that an AI agent wants to make. ' +
  'Reply with a single line of JSON and nothing else: {"risky": true or false, "reason": "<one sentence>"}.';

export async function classifyRisk(event: BeforeToolCallEvent, instructions: string | undefined): Promise<RiskAssessment> {
  const { name, input } = event.proposed;
  const prompt = `Tool: ${name}\nInput: ${JSON.stringify(input)}${instructions ? `\nPolicy: ${instructions}` : ''}`;
  let reply: string;
  try {
    reply = await event.askModel(SYSTEM, prompt);
  } catch (error) {
    // Also on cancellation: the person is then asked in a cancelled scope, which ends the run at once.
    return { risky: null, reason: `classifier failed, asking a person: ${error instanceof Error ? error.message : String(error)}` };
  }
  try {
    const parsed = JSON.parse(outermostBraces(reply)) as { risky?: unknown; reason?: unknown };
    if (typeof parsed.risky !== 'boolean') throw new Error('no boolean "risky"');
    return { risky: parsed.risky, reason: typeof parsed.reason === 'string' ? parsed.reason : '(no reason given)' };
  } catch {
    return { risky: null, reason: `classifier reply was not the JSON asked for, asking a person: ${reply.slice(0, 200)}` };
  }
}

/**
 * From the first `{` to the last `}` (the JSON object in a chatty reply), or '' when there is none.
 * Two index scans: a model's reply full of `{` cannot make this quadratic, as `/\{[\s\S]*\}/` was.
 */
export function outermostBraces(text: string): string {
  const first = text.indexOf('{');
  const last = text.lastIndexOf('}');
  return first >= 0 && last > first ? text.slice(first, last + 1) : '';
}
