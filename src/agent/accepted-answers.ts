/**
 * What an interrupt accepts as an answer. Declared where the question is asked; the `respond`
 * update refuses anything else with a message naming what is accepted (the signal records it as
 * ignored), and the CLI, the inbox and the web page show the accepted forms. An interrupt that
 * declares nothing accepts any JSON.
 */
import type { z } from 'zod';
import { describeIssues, type JsonValue } from './types.js';

export type AcceptedAnswers =
  /** One of these words (trimmed, any case), e.g. `['y', 'n']`. Usable from tools too. */
  | { choices: string[] }
  /** Anything the schema accepts; `description` tells people what that is. Hooks only (schemas do not cross activities). */
  | { schema: z.ZodType; description: string }
  /** Checked by the interrupt's own `validate`; `description` tells people the forms. */
  | { description: string };

/** How an interrupt shows what it accepts (plain JSON, on the wire). */
export interface AcceptsInfo {
  description: string;
  choices?: string[];
}

export function acceptsInfo(accepts: AcceptedAnswers): AcceptsInfo {
  if ('choices' in accepts) return { description: `one of: ${accepts.choices.join(', ')}`, choices: [...accepts.choices] };
  return { description: accepts.description };
}

/** Why `answer` is not among the accepted answers, or undefined when it is. */
export function acceptedProblem(accepts: AcceptedAnswers | undefined, answer: JsonValue): string | undefined {
  if (!accepts) return undefined;
  if ('choices' in accepts) {
    const word = typeof answer === 'string' ? answer.trim().toLowerCase() : undefined;
    if (word !== undefined && accepts.choices.some((choice) => choice.toLowerCase() === word)) return undefined;
    return `this question accepts one of: ${accepts.choices.join(', ')} (got ${clipped(answer)})`;
  }
  if ('schema' in accepts) {
    const parsed = accepts.schema.safeParse(answer);
    return parsed.success ? undefined : `this question accepts ${accepts.description} (${describeIssues(parsed.error.issues, '(answer)')})`;
  }
  return undefined;
}

/** Choices a tool raised: the only form that crosses the activity boundary. */
export function choicesOf(info: AcceptsInfo | undefined): AcceptedAnswers | undefined {
  return info?.choices ? { choices: info.choices } : undefined;
}

function clipped(answer: JsonValue): string {
  const text = JSON.stringify(answer) ?? 'nothing';
  return text.length > 80 ? `${text.slice(0, 79)}…` : text;
}
