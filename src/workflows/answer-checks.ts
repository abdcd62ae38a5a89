/** Which answers a run takes: checked before an update enters history; sub-agents' questions pointed to their run. */
import type { InterruptBook } from '../agent/interrupt-book.js';
import type { Interrupt, InterruptResponse } from '../agent/interrupts.js';

export function asList(responses: InterruptResponse | InterruptResponse[]): InterruptResponse[] {
  return Array.isArray(responses) ? responses : [responses];
}

/**
 * Rejects the whole update, before it enters history, if any answer cannot be applied. A
 * sub-agent's question is answered in the run that asks it (where its checks live): the CLI and the
 * client library route such answers there; a raw update here is told where to send it.
 */
export function validateAnswers(
  book: InterruptBook,
  responses: InterruptResponse | InterruptResponse[],
  phase: string,
  subAgentQuestion: (id: string) => Interrupt | undefined,
): void {
  if (phase !== 'running') throw new Error(`the run is ${phase}; it takes no more answers`);
  const list = asList(responses);
  if (list.length === 0) throw new Error('no answers given');
  const seen = new Set<string>();
  for (const response of list) {
    const question = typeof response?.interruptId === 'string' ? subAgentQuestion(response.interruptId) : undefined;
    if (question) throw new Error(answerElsewhere(question));
    const problem = book.check(response);
    if (problem) throw new Error(problem);
    if (list.length > 1 && book.isCarried(response.interruptId)) {
      throw new Error(`"${response.interruptId}" is being asked again after the run continued as new: answer it in an update of its own`);
    }
    if (seen.has(response.interruptId)) throw new Error(`interrupt "${response.interruptId}" is answered twice in one update`);
    seen.add(response.interruptId);
  }
}

function answerElsewhere(question: Interrupt): string {
  const agent = question.path?.at(-1)?.agent ?? 'a sub-agent';
  return `"${question.id}" is a question of sub-agent ${agent}: answer it in its run ${question.runId} as "${question.ownId}" (the CLI and the client library route it for you)`;
}
