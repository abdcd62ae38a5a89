/**
 * What every channel says about one event, before it is escaped for the channel's medium: the
 * title, the question, the tool and its input, the sub-agent path, the deadline and the links.
 */
import { questionOf } from '../agent/interrupts.js';
import type { JsonValue } from '../agent/types.js';
import type { NotifyConfig } from './config.js';
import type { NotificationEvent, NotificationKind } from './event.js';
import { LINK_ACTIONS, type LinkAction } from './links.js';

export interface NotificationLinks {
  /** The question's own page in the web inbox: the question, its run, and what happened after it was answered. */
  open?: string;
  /** One-click answers: each opens the question pre-filled, with a confirm step. */
  approve?: string;
  deny?: string;
}

export interface NotificationView {
  title: string;
  question: string;
  tool?: string;
  /** The tool input as indented JSON, cut to a size every channel takes. */
  input?: string;
  /** "parent-agent › child-agent" for a question from a sub-agent. */
  path?: string;
  deadline?: string;
  allowedResponders?: string[];
  links: NotificationLinks;
}

/** Longest input shown in a message; the webhook body carries the whole input anyway. */
export const MAX_SHOWN_INPUT = 2500;

const HEADLINE: Record<NotificationKind, string> = {
  waiting: 'waits for an answer',
  reminder: 'still waits for an answer (reminder)',
  escalated: 'was escalated to you',
  deadline: 'passed its deadline; the default answer was taken',
};

export function viewOf(event: NotificationEvent, config: Pick<NotifyConfig, 'inboxUrl' | 'links'>, now = Date.now()): NotificationView {
  const { interrupt } = event;
  const question = questionOf(interrupt.reason) ?? (interrupt.reason === null ? interrupt.name : shortJson(interrupt.reason, 500));
  return {
    title: `${event.agent}: ${interrupt.name} ${HEADLINE[event.kind]}`,
    question,
    ...(interrupt.toolName !== undefined ? { tool: interrupt.toolName } : {}),
    ...(interrupt.toolInput !== undefined ? { input: inputShown(interrupt.toolInput, interrupt.proposedInput) } : {}),
    ...(event.path && event.path.length > 0 ? { path: event.path.map((step) => step.agent).join(' › ') } : {}),
    ...(interrupt.deadline !== undefined ? { deadline: interrupt.deadline } : {}),
    ...(interrupt.allowedResponders !== undefined ? { allowedResponders: interrupt.allowedResponders } : {}),
    links: linksOf(event, config, now),
  };
}

/** Links only while the question can be answered: not for the deadline's outcome. */
export function linksOf(event: NotificationEvent, config: Pick<NotifyConfig, 'inboxUrl' | 'links'>, now = Date.now()): NotificationLinks {
  if (!config.inboxUrl) return {};
  const open = questionUrl(config.inboxUrl, event.runId, event.interrupt.id);
  if (event.kind === 'deadline' || !config.links) return { open };
  const { signer, ttlMs } = config.links;
  const oneClick = (action: LinkAction) =>
    `${config.inboxUrl}/links/${signer.sign({ runId: event.runId, interruptId: event.interrupt.id, action, ...(event.interrupt.binding ? { binding: event.interrupt.binding } : {}) }, ttlMs, now)}`;
  return { open, ...Object.fromEntries(LINK_ACTIONS.map((action) => [action, oneClick(action)])) };
}

/** The web inbox's page of one question: `<inbox>/runs/<run id>/questions/<interrupt id>`, each part URL-encoded. */
export function questionUrl(inboxUrl: string, runId: string, interruptId: string): string {
  return `${inboxUrl}/runs/${encodeURIComponent(runId)}/questions/${encodeURIComponent(interruptId)}`;
}

/** The input the call will run with; after an approver's edit, the model's proposal beside it. */
function inputShown(input: JsonValue, proposed: JsonValue | undefined): string {
  if (proposed === undefined) return shortJson(input, MAX_SHOWN_INPUT, 2);
  const half = Math.floor(MAX_SHOWN_INPUT / 2);
  return `${shortJson(input, half, 2)}\n(edited by an approver; the model proposed:)\n${shortJson(proposed, half, 2)}`;
}

function shortJson(value: JsonValue, max: number, indent?: number): string {
  const text = JSON.stringify(value, null, indent) ?? 'null';
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
