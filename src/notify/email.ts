/**
 * The email channel: plain text and HTML over SMTP (nodemailer). Everything a model or a tool
 * wrote is escaped for each part: control characters shown as escapes in the text part and the
 * subject, HTML-escaped in the HTML part.
 */
import type { Transporter } from 'nodemailer';
import { clipInline, escapeBlock, escapeInline } from '../agent/escape.js';
import type { NotifyConfig } from './config.js';
import type { NotificationEvent } from './event.js';
import { escapeHtml } from './html.js';
import type { NotificationView } from './message.js';

export interface EmailContent {
  subject: string;
  text: string;
  html: string;
}

export function emailContent(event: NotificationEvent, view: NotificationView): EmailContent {
  const facts: Array<[string, string]> = [
    ['Run', event.runId],
    ['Agent', event.agent],
    ...(event.prompt !== undefined ? ([['Prompt', event.prompt]] as Array<[string, string]>) : []),
    ...(view.tool !== undefined ? ([['Tool', view.tool]] as Array<[string, string]>) : []),
    ...(view.path !== undefined ? ([['Sub-agent path', view.path]] as Array<[string, string]>) : []),
    ...(view.deadline !== undefined ? ([['Deadline', view.deadline]] as Array<[string, string]>) : []),
    ...(view.allowedResponders !== undefined ? ([['May answer', view.allowedResponders.join(', ')]] as Array<[string, string]>) : []),
  ];
  const links: Array<[string, string | undefined]> = [
    ['Approve (opens a confirm page)', view.links.approve],
    ['Deny (opens a confirm page)', view.links.deny],
    ['Open in the inbox', view.links.open],
  ];
  const shownLinks = links.filter((link): link is [string, string] => link[1] !== undefined);
  const text = [
    escapeInline(view.title),
    '',
    `Question: ${escapeInline(view.question)}`,
    ...facts.map(([label, value]) => `${label}: ${escapeInline(value)}`),
    ...(view.input !== undefined ? ['', 'Input:', escapeBlock(view.input)] : []),
    ...(shownLinks.length > 0 ? ['', ...shownLinks.map(([label, url]) => `${label}: ${url}`)] : []),
    '',
  ].join('\n');
  const html = [
    '<!doctype html><html><body>',
    `<h2>${escapeHtml(escapeInline(view.title))}</h2>`,
    `<p><strong>Question:</strong> ${escapeHtml(escapeInline(view.question))}</p>`,
    '<table>',
    ...facts.map(([label, value]) => `<tr><th align="left">${label}</th><td>${escapeHtml(escapeInline(value))}</td></tr>`),
    '</table>',
    ...(view.input !== undefined ? [`<pre>${escapeHtml(escapeBlock(view.input))}</pre>`] : []),
    ...(shownLinks.length > 0 ? [`<p>${shownLinks.map(([label, url]) => `<a href="${escapeHtml(url)}">${label}</a>`).join(' · ')}</p>`] : []),
    '</body></html>',
  ].join('\n');
  return { subject: clipInline(view.title, 200), text, html };
}

/** One transport per configuration: nodemailer opens a connection per message unless pooled. */
export function emailSender(email: NonNullable<NotifyConfig['email']>, timeoutMs: number) {
  let transport: Promise<Transporter> | undefined;
  return async (to: string[], event: NotificationEvent, view: NotificationView): Promise<void> => {
    // nodemailer is loaded with the first email: a worker that sends none never loads it.
    transport ??= import('nodemailer').then(({ default: nodemailer }) =>
      nodemailer.createTransport({ url: email.smtpUrl, connectionTimeout: timeoutMs, greetingTimeout: timeoutMs, socketTimeout: timeoutMs }),
    );
    const content = emailContent(event, view);
    // The event id as Message-ID: a mail system that sees one twice may drop the repeat.
    const host = email.from.split('@')[1]?.replace(/[^A-Za-z0-9.-]/g, '') || 'localhost';
    await (await transport).sendMail({ from: email.from, to, ...content, messageId: `<${encodeURIComponent(event.eventId)}@${host}>` });
  };
}
