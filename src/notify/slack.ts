/**
 * The Slack channel: an incoming-webhook message in Block Kit. Model and tool text goes into mrkdwn
 * escaped as Slack documents (`&`, `<`, `>` as entities, so it can make no link, mention or
 * command) and with control characters shown as escapes; the input goes into a preformatted
 * rich-text block, which Slack shows literally.
 */
import { escapeBlock, escapeInline } from '../agent/escape.js';
import type { NotificationEvent } from './event.js';
import { postJson } from './http.js';
import type { NotificationView } from './message.js';

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' };

/** Text for a mrkdwn field: one line, Slack's three control characters as entities, at most `max` characters before escaping. */
export function escapeSlack(text: string, max = 2000): string {
  const cut = text.length > max ? `${text.slice(0, max - 1)}…` : text;
  return escapeInline(cut).replace(/[&<>]/g, (char) => ENTITIES[char]!);
}

function plain(text: string, max: number) {
  return { type: 'plain_text', text: text.length > max ? `${text.slice(0, max - 1)}…` : text, emoji: false };
}

export function slackMessage(event: NotificationEvent, view: NotificationView) {
  const field = (label: string, value: string) => ({ type: 'mrkdwn', text: `*${label}*\n${escapeSlack(value, 500)}` });
  const fields = [
    field('Run', event.runId),
    field('Agent', event.agent),
    ...(view.tool !== undefined ? [field('Tool', view.tool)] : []),
    ...(view.path !== undefined ? [field('Sub-agent path', view.path)] : []),
    ...(view.deadline !== undefined ? [field('Deadline', view.deadline)] : []),
    ...(view.allowedResponders !== undefined ? [field('May answer', view.allowedResponders.join(', '))] : []),
  ];
  const buttons = [
    view.links.approve && { type: 'button', text: plain('Approve…', 75), url: view.links.approve, style: 'primary', action_id: 'approve' },
    view.links.deny && { type: 'button', text: plain('Deny…', 75), url: view.links.deny, style: 'danger', action_id: 'deny' },
    view.links.open && { type: 'button', text: plain('Open in the inbox', 75), url: view.links.open, action_id: 'open' },
  ].filter(Boolean);
  return {
    text: escapeSlack(`${view.title}: ${view.question}`, 300),
    blocks: [
      { type: 'header', text: plain(escapeInline(view.title), 150) },
      { type: 'section', text: { type: 'mrkdwn', text: `*Question*\n${escapeSlack(view.question)}` } },
      { type: 'section', fields: fields.slice(0, 10) },
      ...(view.input !== undefined
        ? [{ type: 'rich_text', elements: [{ type: 'rich_text_preformatted', elements: [{ type: 'text', text: escapeBlock(view.input) }] }] }]
        : []),
      ...(buttons.length > 0 ? [{ type: 'actions', elements: buttons }] : []),
    ],
  };
}

export async function sendSlack(url: string, event: NotificationEvent, view: NotificationView, timeoutMs: number): Promise<void> {
  await postJson(url, JSON.stringify(slackMessage(event, view)), {}, timeoutMs);
}
