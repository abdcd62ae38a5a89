/**
 * A question as the web page shows it. Questions written for the terminal end in the answers to
 * type, "(t/y/N)" or "(y/N)" (the `run` loop reads its prompt from them, see `offeredChoices`); on
 * the page the buttons are the choices, so the hint is left out. And "Trust always" is offered only
 * where a session can remember it: the run belongs to a session, and the question takes `t`.
 */
import { ANSWER_HELP_NO_TRUST } from '../agent/approval/answers.js';
import type { AcceptsInfo } from '../agent/accepted-answers.js';
import { questionOf, type Interrupt } from '../agent/interrupts.js';
import type { RunEvent } from '../agent/run-events.js';
import type { JsonValue } from '../agent/types.js';
import { offeredChoices } from '../cli/interactive.js';

/** `text` without the terminal's answer hint at its end: "Approve delete_files? (t/y/N)" is "Approve delete_files?". */
export function webWording(text: string): string {
  const choices = offeredChoices(text);
  if (choices === undefined) return text;
  const hint = text.lastIndexOf(`(${choices})`);
  const before = text.slice(0, hint).trimEnd();
  // A mark after the hint ("Delete them (y/N)?") ends the question without it.
  const after = text.slice(hint + choices.length + 2).trim();
  const shown = `${before}${after}`;
  return shown.trim() === '' ? text : shown;
}

/** What the page shows as the question: the reason's words (without a terminal hint), else the whole reason. */
export function webQuestion(reason: JsonValue): JsonValue {
  const words = questionOf(reason);
  return words === undefined ? reason : webWording(words);
}

/**
 * Whether the page offers "Trust always": only in a run of a session (a trust outlives the run only
 * there), and only for a question that takes `t` — not where its accepted words leave it out, nor
 * where the approval policy says this call cannot be trusted, nor where its own hint offers no `t`.
 */
export function offersTrust(question: Pick<Interrupt, 'accepts' | 'reason'>, sessionId: string | undefined): boolean {
  if (sessionId === undefined) return false;
  const accepts: AcceptsInfo | undefined = question.accepts;
  if (accepts?.choices) return accepts.choices.some((choice) => choice.toLowerCase() === 't');
  if (accepts?.description === ANSWER_HELP_NO_TRUST) return false;
  const words = questionOf(question.reason);
  const hinted = words !== undefined ? offeredChoices(words) : undefined;
  return hinted === undefined || hinted.split('/').some((choice) => choice.toLowerCase() === 't');
}

/** An interrupt as the page gets it: with the question in web words and whether trust is offered. */
export type WebInterrupt = Interrupt & { question: JsonValue; offersTrust: boolean };

export function forWeb(interrupt: Interrupt, sessionId: string | undefined): WebInterrupt {
  return { ...interrupt, question: webQuestion(interrupt.reason), offersTrust: offersTrust(interrupt, sessionId) };
}

/** A run's event as the live page gets it: a question carries its web wording (`question.question`), as the inbox's do. */
export function webRunEvent(event: RunEvent): RunEvent | (Omit<RunEvent & { type: 'tool-approval-request' }, 'question'> & { question: Interrupt & { question: JsonValue } }) {
  if (event.type !== 'tool-approval-request') return event;
  return { ...event, question: { ...event.question, question: webQuestion(event.question.reason) } };
}
