// The approval inbox page. Every value from a run, a model or a tool is put into the page with
// textContent (never as markup); the content security policy forbids inline scripts and, with
// Trusted Types, any string-to-markup sink, so a slip here would fail loudly instead of running.

const $ = (selector, root = document) => root.querySelector(selector);
let session; // { user, csrf, dev, links }

// ---------- talking to the server ----------

async function api(path, body) {
  const init = body === undefined
    ? { headers: { accept: 'application/json' } }
    : { method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': session?.csrf ?? '' }, body: JSON.stringify(body) };
  const response = await fetch(`/api${path}`, { ...init, credentials: 'same-origin' });
  const data = await response.json().catch(() => ({ error: `HTTP ${response.status}` }));
  if (response.status === 401 && data.signIn === '/auth/login') {
    // Single sign-on: a session that ended (the tokens expired) signs in again at the provider, then comes back here.
    location.assign(`/auth/login?return=${encodeURIComponent(location.pathname + location.search)}`);
  }
  if (!response.ok) {
    const error = new Error(data.error ?? `HTTP ${response.status}`);
    error.status = response.status;
    throw error;
  }
  return data;
}

// ---------- small helpers ----------

function show(id) {
  for (const section of ['loading', 'signin', 'inbox', 'run', 'question', 'link']) $(`#${section}`).hidden = section !== id;
}

function json(value) {
  return JSON.stringify(value, null, 2) ?? 'undefined';
}

function age(raisedAt) {
  const seconds = Math.max(0, Math.floor((Date.now() - Date.parse(raisedAt)) / 1000));
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 120) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  return hours < 48 ? `${hours}h` : `${Math.floor(hours / 24)}d`;
}

function cell(row, text, className) {
  const td = document.createElement('td');
  td.textContent = text;
  if (className) td.className = className;
  row.append(td);
  return td;
}

function questionText(item) {
  return typeof item.question === 'string' ? item.question : json(item.question);
}

function runUrl(runId) {
  return `/runs/${encodeURIComponent(runId)}`;
}

/** A question's own page (the notifications' "open" link leads there too). */
function questionUrl(runId, interruptId) {
  return `${runUrl(runId)}/questions/${encodeURIComponent(interruptId)}`;
}

/** Reads again every `ms` after each read has finished (a slow server never gets two at once). */
function every(ms, read) {
  const next = async () => {
    await read();
    setTimeout(next, ms);
  };
  return next();
}

/** What an answer did, in words: the approval forms read as such, anything else as its JSON. */
function answerWords(response) {
  const word = typeof response === 'string' ? response.trim().toLowerCase() : undefined;
  const decision = response && typeof response === 'object' && !Array.isArray(response) ? response.decision : undefined;
  if (['y', 'yes', 'approve'].includes(word) || decision === 'approve' || response === true) return 'Approved';
  if (['n', 'no', 'deny'].includes(word) || decision === 'deny' || response === false) return 'Denied';
  if (['t', 'trust'].includes(word) || decision === 'trust') return 'Trusted';
  if (decision === 'edit') return 'Approved with an edit';
  return `Answered ${json(response)}`;
}

function whoAnswered(answer) {
  if (answer.respondedBy === 'deadline') return 'by the deadline';
  return answer.respondedBy ? `by ${answer.respondedBy}` : 'by someone who gave no name';
}

/** Changes whenever the run moved on: its page then reads its timeline again. */
function progressKey(status) {
  return JSON.stringify([
    status.status,
    status.modelCalls,
    (status.pending ?? []).map((question) => question.id),
    (status.answered ?? []).length,
    (status.decisions ?? []).length,
    JSON.stringify(status.lastMessage ?? null).length,
  ]);
}

// ---------- question cards (inbox, run view, link view) ----------

/** A pending question as the inbox and the run view show it: { workflowId, agent, interruptId, name, tool, toolInput, question, raisedAt, deadline, allowedResponders, path, prompt }. */
function itemOfInterrupt(runId, agent, interrupt) {
  return {
    workflowId: runId,
    agent,
    interruptId: interrupt.id,
    name: interrupt.name,
    tool: interrupt.toolName,
    toolInput: interrupt.toolInput,
    proposedInput: interrupt.proposedInput,
    calls: interrupt.calls,
    binding: interrupt.binding,
    // The server words the question for the web (no terminal hint such as "(y/N)": the buttons are the choices).
    question: interrupt.question !== undefined ? interrupt.question : typeof interrupt.reason === 'string' ? interrupt.reason : (interrupt.reason && typeof interrupt.reason.message === 'string' ? interrupt.reason.message : interrupt.reason),
    offersTrust: interrupt.offersTrust === true,
    // A sub-agent's question shown in its caller has its page in the run that asks it.
    page: interrupt.runId !== undefined && interrupt.ownId !== undefined ? { runId: interrupt.runId, interruptId: interrupt.ownId } : undefined,
    raisedAt: interrupt.raisedAt,
    deadline: interrupt.deadline,
    allowedResponders: interrupt.allowedResponders,
    path: interrupt.path,
    accepts: interrupt.accepts,
  };
}

/** How the run recorded who answered: the same words on every page. */
function proofText(answer) {
  if (answer.preset) return 'preset in code';
  if (answer.verified === true) return 'verified signature';
  if (answer.verified === false) return 'unverified claim';
  return answer.respondedBy === 'deadline' ? 'deadline' : '';
}

/** After answering: what the run recorded of it (a sub-agent's question is recorded in its own run: nothing to add). */
function proofNote(status, interruptId) {
  const recorded = (status?.answered ?? []).find((answer) => answer.interruptId === interruptId);
  return recorded ? ` (${proofText(recorded)})` : '';
}

function pathText(path) {
  if (!Array.isArray(path) || path.length === 0) return '';
  return `from sub-agent: ${path.map((step) => (step && typeof step === 'object' ? step.agent ?? step.runId : String(step))).join(' › ')}`;
}

/** Sets an element's text only when it changed (live updates leave unchanged cards untouched). */
function setText(element, text) {
  if (element.textContent !== text) element.textContent = text;
}

function fillCard(card, item) {
  const field = (name) => card.querySelector(`[data-field="${name}"]`);
  setText(field('agent'), item.agent);
  const run = field('run');
  setText(run, item.workflowId);
  run.href = runUrl(item.workflowId);
  const open = field('open');
  const page = questionUrl(item.page?.runId ?? item.workflowId, item.page?.interruptId ?? item.interruptId);
  open.href = page;
  // Not on the question's own page (compared as written: a card cloned from the template resolves no URL until it is in the page).
  open.hidden = page === location.pathname;
  setText(field('age'), `asked ${age(item.raisedAt)} ago`);
  field('age').dataset.raisedAt = item.raisedAt;
  setText(field('deadline'), item.deadline ? `deadline ${item.deadline}` : '');
  setText(field('path'), pathText(item.path));
  setText(field('prompt'), item.prompt ?? '');
  field('prompt').parentElement.hidden = !item.prompt;
  setText(field('question'), questionText(item));
  setText(field('tool'), item.tool ?? '(a batch of tool calls)');
  setText(field('name'), item.name);
  // The call as it will run; after an edit, what the model proposed beside it.
  const runs = item.toolInput !== undefined ? json(item.toolInput) : Array.isArray(item.calls) ? item.calls.map((call) => `${call.tool} ${json(call.input)}`).join('\n') : '';
  setText(field('input'), runs);
  field('input').hidden = runs === '';
  setText(field('edited'), item.proposedInput === undefined ? '' : 'edited by an approver: this is the call that will run');
  setText(field('proposed'), item.proposedInput === undefined ? '' : json(item.proposedInput));
  field('proposed').parentElement.hidden = item.proposedInput === undefined;
  setText(field('approvers'), item.allowedResponders ? `may answer: ${item.allowedResponders.join(', ')}` : '');
  // A question that accepts only some words shows only the buttons that give one of them; trust only
  // where the server says a session remembers it and the question takes it (`offersTrust`).
  const choices = item.accepts?.choices?.map((choice) => choice.toLowerCase());
  for (const [action, word] of [['approve', 'y'], ['deny', 'n'], ['trust', 't'], ['edit', undefined]]) {
    const button = card.querySelector(`[data-action="${action}"]`);
    if (button) button.hidden = (Boolean(choices) && !choices.includes(word)) || (action === 'trust' && item.offersTrust !== true);
  }
}

function newCard(item, { actions = true } = {}) {
  const card = $('#question-card').content.firstElementChild.cloneNode(true);
  card.dataset.key = `${item.workflowId}\n${item.interruptId}`;
  card.dataset.run = item.workflowId;
  fillCard(card, item);
  const error = card.querySelector('[data-field="error"]');
  const done = card.querySelector('[data-field="done"]');
  const denyForm = card.querySelector('.deny-form');
  const editForm = card.querySelector('.edit-form');
  if (!actions) {
    card.querySelector('.actions').remove();
    denyForm.remove();
    editForm.remove();
    return card;
  }

  const buttons = () => card.querySelectorAll('button');
  const answer = async (body, verb) => {
    error.textContent = '';
    for (const button of buttons()) button.disabled = true;
    // The live list may drop the question before this answer returns: the card stays while it is on its way.
    card.classList.add('answering');
    try {
      // The answer is bound to the question as this card shows it: a run that changed meanwhile refuses it.
      const { status } = await api(`/runs/${encodeURIComponent(card.__item.workflowId)}/answer`, { interruptId: card.__item.interruptId, binding: card.__item.binding, ...body });
      done.textContent = `${verb} as ${session.user}${proofNote(status, card.__item.interruptId)}`;
      denyForm.hidden = true;
      editForm.hidden = true;
      card.classList.add('answered');
      card.dataset.answeredAt = String(Date.now());
    } catch (failure) {
      error.textContent = failure.message;
      for (const button of buttons()) button.disabled = false;
    } finally {
      card.classList.remove('answering');
    }
  };

  card.querySelector('[data-action="approve"]').addEventListener('click', () => answer({ action: 'approve' }, 'Approved'));
  card.querySelector('[data-action="trust"]').addEventListener('click', () => answer({ action: 'trust' }, 'Trusted'));
  card.querySelector('[data-action="deny"]').addEventListener('click', () => {
    editForm.hidden = true;
    denyForm.hidden = false;
    denyForm.elements.reason.focus();
  });
  card.querySelector('[data-action="edit"]').addEventListener('click', () => {
    denyForm.hidden = true;
    editForm.hidden = false;
    if (!editForm.elements.input.value) editForm.elements.input.value = json(card.__item.toolInput ?? {});
    editForm.elements.input.focus();
  });
  for (const cancel of card.querySelectorAll('[data-cancel]')) {
    cancel.addEventListener('click', () => {
      denyForm.hidden = true;
      editForm.hidden = true;
      error.textContent = '';
    });
  }
  denyForm.addEventListener('submit', (event) => {
    event.preventDefault();
    answer({ action: 'deny', reason: denyForm.elements.reason.value }, 'Denied');
  });
  editForm.addEventListener('submit', (event) => {
    event.preventDefault();
    let input;
    try {
      input = JSON.parse(editForm.elements.input.value);
    } catch (failure) {
      error.textContent = `not JSON: ${failure.message}`;
      return;
    }
    answer({ action: 'edit', input }, 'Approved with your edit');
  });
  card.__item = item;
  return card;
}

/** Puts `wanted` into `list` in order, moving only what must move: a card being clicked is never detached. */
function placeChildren(list, wanted) {
  wanted.forEach((node, index) => {
    if (list.children[index] !== node) list.insertBefore(node, list.children[index] ?? null);
  });
  while (list.children.length > wanted.length) list.lastElementChild.remove();
}

/** How long a card just answered stays in place, so the person sees the outcome (and nothing jumps under the cursor). */
const ANSWERED_LINGER_MS = 5000;

/**
 * Shows `items` in `list` in a stable order: cards that stay keep their place (and whatever is typed
 * in them), cards just answered linger for a moment, new questions come last (the list is oldest first).
 */
function renderQuestions(list, items) {
  const fresh = new Map(items.map((item) => [`${item.workflowId}\n${item.interruptId}`, item]));
  const now = Date.now();
  const staying = [...list.children].filter((card) => {
    const item = fresh.get(card.dataset.key);
    if (item) {
      card.__item = item;
      fillCard(card, item);
      fresh.delete(card.dataset.key);
      return true;
    }
    if (card.classList.contains('answering')) return true;
    return card.classList.contains('answered') && now - Number(card.dataset.answeredAt) < ANSWERED_LINGER_MS;
  });
  const lingering = staying.length - (items.length - fresh.size);
  placeChildren(list, [...staying, ...[...fresh.values()].map((item) => newCard(item))]);
  list.__items = items;
  // Once the lingering cards have had their moment, show the latest list without them.
  if (lingering > 0) setTimeout(() => renderQuestions(list, list.__items), ANSWERED_LINGER_MS);
}

// ---------- the inbox, live ----------

let events;
function startInbox() {
  show('inbox');
  const render = (items) => {
    renderQuestions($('#questions'), items);
    $('#count').textContent = `(${items.length})`;
    $('#empty').hidden = items.length > 0;
    // The live list reads the newest 50 waiting runs (inbox-feed.ts LIVE_RUNS): at that many, say where the rest are.
    $('#questions-more').hidden = new Set(items.map((item) => item.workflowId)).size < 50;
  };
  startPages();
  api('/inbox').then(render, (failure) => ($('#empty').textContent = failure.message));
  events?.close();
  events = new EventSource('/api/events');
  events.addEventListener('open', () => $('#live').classList.add('on'));
  events.addEventListener('error', () => $('#live').classList.remove('on'));
  events.addEventListener('inbox', (event) => render(JSON.parse(event.data)));
}

// ---------- every waiting run, in pages (visibility alone: a row is opened on its run's page) ----------

/** The pages' state: the filter, the token of each page shown so far (the first has none). */
const pages = { filter: {}, tokens: [undefined], index: 0, next: undefined };

function startPages() {
  const form = $('#pages-filter');
  form.onsubmit = (event) => {
    event.preventDefault();
    const data = new FormData(form);
    pages.filter = { mine: data.get('mine') === 'on', overdue: data.get('overdue') === 'on', agent: String(data.get('agent') ?? '').trim() };
    pages.tokens = [undefined];
    pages.index = 0;
    loadPage();
  };
  $('#page-next').onclick = () => {
    if (!pages.next) return;
    pages.tokens[pages.index + 1] = pages.next;
    pages.index += 1;
    loadPage();
  };
  $('#page-prev').onclick = () => {
    if (pages.index === 0) return;
    pages.index -= 1;
    loadPage();
  };
  loadPage();
}

/** Runs per page: 25, or `/?pageSize=n` (1 to 100). */
function pageSize() {
  const asked = Number(new URLSearchParams(location.search).get('pageSize'));
  return Number.isInteger(asked) && asked >= 1 && asked <= 100 ? asked : 25;
}

async function loadPage() {
  const query = new URLSearchParams({ pageSize: String(pageSize()), details: '0' });
  if (pages.filter.mine) query.set('mine', '1');
  if (pages.filter.overdue) query.set('overdue', '1');
  if (pages.filter.agent) query.set('agent', pages.filter.agent);
  const token = pages.tokens[pages.index];
  if (token) query.set('page', token);
  $('#page-prev').disabled = true;
  $('#page-next').disabled = true;
  try {
    const page = await api(`/inbox?${query}`);
    $('#pages-error').textContent = '';
    renderPage(page);
    pages.next = page.nextPageToken;
  } catch (failure) {
    $('#pages-error').textContent = failure.message;
    pages.next = undefined;
  }
  $('#page-prev').disabled = pages.index === 0;
  $('#page-next').disabled = !pages.next;
  $('#page-number').textContent = `page ${pages.index + 1}`;
}

function renderPage(page) {
  const body = $('#pages tbody');
  const rows = page.listed.map((run) => {
    const row = document.createElement('tr');
    row.dataset.runId = run.workflowId;
    if (run.deadline && Date.parse(run.deadline) < Date.now()) row.className = 'overdue';
    const waiting = cell(row, run.waitingSince ? age(run.waitingSince) : '–');
    waiting.title = run.waitingSince ?? `started ${run.startedAt ?? '?'}`;
    cell(row, `${run.agent ?? '?'}${run.sessionId ? ` (session ${run.sessionId})` : ''}`);
    cell(row, run.tool ?? '');
    cell(row, run.question ?? `${run.pending ?? '?'} waiting (open the run to see)`, 'question');
    cell(row, run.deadline ?? '', 'deadline');
    cell(row, (run.approvers ?? []).map((name) => (name === '*' ? 'anyone the policy lets' : name)).join(', '));
    const open = document.createElement('a');
    open.href = runUrl(run.workflowId);
    open.textContent = 'Open';
    cell(row, '').append(open);
    return row;
  });
  body.replaceChildren(...rows);
  $('#pages-empty').hidden = rows.length > 0;
}

// ---------- a run: its questions and its audit ----------

/** Reads a run's status every few seconds, and its timeline (prompt, result, tool calls) whenever the run moved on. */
function followRun(runId, render, showError) {
  let shown = '';
  let view;
  return every(2500, async () => {
    try {
      const status = await api(`/runs/${encodeURIComponent(runId)}`);
      const key = progressKey(status);
      if (key !== shown) {
        view = await api(`/runs/${encodeURIComponent(runId)}/timeline`);
        shown = key;
      }
      showError('');
      render(status, view);
    } catch (failure) {
      showError(failure.message);
    }
  });
}

function startRun(runId) {
  show('run');
  $('#run-id').textContent = runId;
  const stop = followRun(runId, (status, view) => renderRun(runId, status, view), (message) => ($('#run-error').textContent = message));
  const close = streamRun(runId, $('#run-stream'));
  return () => {
    stop();
    close();
  };
}

// ---------- a run as it happens: its stream (text as the model writes it, tool calls, questions, answers) ----------

/** A value on one line (the stream's lines are short). */
function compact(value) {
  return JSON.stringify(value);
}

/** A question as one line of the stream: the call it is about (if any), then why it is asked. */
function streamedQuestion(question) {
  // `question.question`: the reason in the page's words (the server leaves out the terminal's answer hint).
  const reason = typeof question.question === 'string' ? question.question : compact(question.question ?? question.reason);
  return question.toolName ? `${question.toolName} ${compact(question.toolInput ?? null)}: ${reason}` : reason;
}

/** Follows the run's stream into `box`: one block per message (its text grows as it streams), one line per tool call, question, answer and result. Returns what stops following. */
function streamRun(runId, box) {
  const source = new EventSource(`/api/runs/${encodeURIComponent(runId)}/events`);
  const blocks = new Map();
  const line = (kind, text) => {
    const p = document.createElement('p');
    p.className = `stream-${kind}`;
    p.textContent = text;
    box.append(p);
    return p;
  };
  source.addEventListener('open', () => $('#run-live').classList.add('on'));
  source.addEventListener('error', () => $('#run-live').classList.remove('on'));
  source.addEventListener('failed', () => source.close());
  source.addEventListener('run', (message) => {
    const event = JSON.parse(message.data);
    switch (event.type) {
      case 'text-start':
        // A second start for a message replaces what was shown of it.
        blocks.get(event.id)?.remove();
        blocks.set(event.id, line('text', ''));
        break;
      case 'text-delta':
        if (!blocks.has(event.id)) blocks.set(event.id, line('text', ''));
        blocks.get(event.id).textContent += event.delta;
        break;
      case 'data-retry':
        // The attempt that streamed this text failed: its retry streams it again.
        blocks.get(event.data.id)?.remove();
        blocks.delete(event.data.id);
        break;
      case 'tool-input-available':
        line('tool', `→ ${event.toolName} ${compact(event.input)}`);
        break;
      case 'tool-output-available':
        line('result', `✓ ${typeof event.output === 'string' ? event.output : compact(event.output)}`);
        break;
      case 'tool-output-error':
        line('error', `✗ ${event.errorText}`);
        break;
      case 'tool-approval-request':
        line('question', `waiting: ${streamedQuestion(event.question)}`);
        break;
      case 'data-answer':
        line('answer', `answered by ${event.data.respondedBy ?? 'someone'}: ${compact(event.data.response)}`);
        break;
      case 'error':
        line('error', event.errorText);
        break;
      case 'finish':
        line('finish', `the run ${event.status}`);
        source.close();
        $('#run-live').classList.remove('on');
        break;
      default:
    }
  });
  return () => source.close();
}

/** How the run ended, in words; undefined while it goes on. */
function endText(view) {
  if (view.phase === 'completed') return view.result ?? '';
  if (view.phase === 'failed') return `The run failed: ${view.error ?? 'no reason given'}`;
  if (view.phase === 'cancelled') return 'The run was cancelled.';
  return undefined;
}

function renderRun(runId, status, view) {
  $('#run-agent').textContent = status.agent;
  $('#run-phase').textContent = status.status;
  $('#run-session').textContent = status.sessionId !== undefined ? `in session ${status.sessionId}` : '';
  setText($('#run-prompt'), view.prompt ?? '(the prompt cannot be read)');
  setText($('#run-result'), endText(view) ?? `Not finished: the run is ${status.status}.`);
  renderTimeline($('#run-timeline'), view.timeline, runId);
  setText(
    $('#run-timeline-note'),
    view.timeline.length === 0 ? 'Nothing asked and no tool called yet.' : view.conversation ? '' : 'No worker answered for this run\'s conversation: its tool calls are not shown.',
  );
  const pending = (status.pending ?? []).map((interrupt) => ({ ...itemOfInterrupt(runId, status.agent, interrupt), prompt: view.prompt }));
  renderQuestions($('#run-pending'), pending);
  $('#run-nothing').hidden = pending.length > 0;

  const answers = $('#run-answers tbody');
  answers.replaceChildren(
    ...(status.answered ?? []).map((answer) => {
      const row = document.createElement('tr');
      cell(row, answer.interrupt?.name ?? answer.interruptId);
      cell(row, answer.interrupt?.toolName ?? '');
      cell(row, json(answer.response));
      cell(row, answer.respondedBy ?? '');
      const proof = proofText(answer);
      cell(row, proof, answer.verified === true ? 'verified' : answer.verified === false ? 'unverified' : '');
      cell(row, answer.answeredAt ?? '');
      cell(row, answer.reason ?? '');
      return row;
    }),
  );

  const decisions = $('#run-decisions tbody');
  // Notification deliveries are logged as decisions of kind "notified" (their detail is the delivery status).
  const notes = status.decisions ?? [];
  decisions.replaceChildren(
    ...notes.filter((decision) => decision.kind !== 'notified').map((decision) => {
      const row = document.createElement('tr');
      cell(row, decision.kind);
      cell(row, decision.tool ?? '');
      cell(row, typeof decision.detail === 'string' ? decision.detail : json(decision.detail));
      return row;
    }),
  );

  const deliveries = notes.filter((decision) => decision.kind === 'notified').map((decision) => decision.detail ?? {});
  $('#run-notifications').hidden = deliveries.length === 0;
  $('#run-notifications tbody').replaceChildren(
    ...deliveries.map((delivery) => {
      const row = document.createElement('tr');
      cell(row, `${delivery.kind ?? ''} ${delivery.interruptId ?? ''}`.trim());
      cell(row, delivery.channel ?? '');
      cell(row, delivery.outcome ?? '');
      cell(row, delivery.detail ?? '');
      cell(row, delivery.at ?? '');
      return row;
    }),
  );
}

// ---------- a run's timeline: questions, answers and tool calls, in order ----------

function timelineEntry(entry, runId) {
  const li = document.createElement('li');
  li.className = `entry entry-${entry.kind}`;
  li.dataset.kind = entry.kind;
  const part = (text, field, tag = 'span', className = '') => {
    const element = document.createElement(tag);
    element.textContent = text;
    element.dataset.field = field;
    if (className) element.className = className;
    li.append(element);
    return element;
  };
  if (entry.kind === 'question') {
    part(entry.waiting ? 'Waiting' : 'Asked', 'what', 'span', 'label');
    if (entry.tool) part(entry.tool, 'tool', 'code');
    part(questionText(entry), 'question', 'span', 'words');
    const page = part('question page', 'open', 'a', 'open');
    page.href = questionUrl(entry.runId ?? runId, entry.ownId ?? entry.interruptId);
    part(entry.at, 'at', 'span', 'at');
  } else if (entry.kind === 'answer') {
    part(answerWords(entry.response), 'what', 'span', 'label');
    part(whoAnswered(entry), 'who');
    const proof = proofText(entry);
    if (proof) part(proof, 'proof', 'span', entry.verified === true ? 'verified' : entry.verified === false ? 'unverified' : '');
    if (entry.reason) part(entry.reason, 'reason', 'q');
    part(entry.at, 'at', 'span', 'at');
  } else {
    part('Tool call', 'what', 'span', 'label');
    part(entry.tool, 'tool', 'code');
    part(entry.status, 'status', 'span', `status ${entry.status.replace(/\s+/g, '-')}`);
    part(json(entry.input), 'input', 'pre', 'input');
    if (entry.result !== undefined) part(entry.result, 'result', 'pre', 'output');
  }
  return li;
}

/** Shows `entries` in `list`, rebuilt only when they changed (a link is never swapped under the cursor). */
function renderTimeline(list, entries, runId) {
  const key = JSON.stringify(entries);
  if (list.__key === key) return;
  list.__key = key;
  list.replaceChildren(...entries.map((entry) => timelineEntry(entry, runId)));
}

// ---------- one question's own page: the card, who answered, what the run did next ----------

function startQuestion(runId, interruptId) {
  show('question');
  const run = $('#question-run');
  run.textContent = runId;
  run.href = runUrl(runId);
  return followRun(runId, (status, view) => renderQuestionPage(runId, interruptId, status, view), (message) => ($('#question-error').textContent = message));
}

function renderQuestionPage(runId, interruptId, status, view) {
  $('#question-agent').textContent = status.agent;
  $('#question-phase').textContent = status.status;
  const pending = (status.pending ?? []).find((question) => question.id === interruptId);
  const answer = (status.answered ?? []).find((answered) => answered.interruptId === interruptId);
  const list = $('#question-one');
  const current = list.firstElementChild;
  if (pending) {
    const item = { ...itemOfInterrupt(runId, status.agent, pending), prompt: view.prompt };
    if (current?.dataset.live === 'yes') {
      current.__item = item;
      fillCard(current, item);
    } else {
      const card = newCard(item);
      card.dataset.live = 'yes';
      list.replaceChildren(card);
    }
  } else if (!current || !(current.classList.contains('answered') || current.classList.contains('answering'))) {
    // No longer waiting: the question as it was asked, without buttons (a card answered here stays as it is).
    list.replaceChildren(...(answer ? [newCard({ ...itemOfInterrupt(runId, status.agent, answer.interrupt), prompt: view.prompt }, { actions: false })] : []));
  }

  let state;
  if (pending) state = 'Waiting for an answer.';
  else if (answer) {
    const proof = proofText(answer);
    state = `${answerWords(answer.response)} ${whoAnswered(answer)}${proof ? ` (${proof})` : ''} at ${answer.answeredAt}${answer.reason ? `: ${answer.reason}` : ''}`;
  } else if (['completed', 'failed', 'cancelled'].includes(status.status)) state = `The run ended (${status.status}) before this question was answered.`;
  else state = 'This run does not ask this question (now): it may have been asked under another id.';
  setText($('#question-state'), state);

  // What happened after: the answer as the run recorded it, the calls it let run (or not), how the run ended.
  const outcome = view.timeline.filter((entry) => (entry.kind === 'answer' && entry.interruptId === interruptId) || (entry.kind === 'tool' && entry.questions.includes(interruptId)));
  renderTimeline($('#question-outcome'), outcome, runId);
  const ended = endText(view);
  $('#question-result').hidden = ended === undefined;
  setText($('#question-result'), ended === undefined ? '' : view.phase === 'completed' ? `The run completed: ${ended}` : ended);
  setText(
    $('#question-next'),
    pending ? 'Nothing yet: the run waits for this answer.' : !view.conversation ? 'No worker answered for this run\'s conversation: its tool calls are not shown.' : outcome.length === 0 && ended === undefined ? 'The run goes on.' : '',
  );
}

// ---------- one-click links: shown pre-filled, answered only on confirm ----------

async function startLink(token) {
  show('link');
  let link;
  try {
    link = await api(`/links/${encodeURIComponent(token)}`);
  } catch (failure) {
    $('#link-error').textContent = failure.message;
    return;
  }
  $('#link-body').hidden = false;
  const verb = link.action === 'approve' ? 'Approve' : 'Deny';
  $('#link-summary').textContent = `${verb} this question as ${session.user}?`;
  $('#link-question').replaceChildren(newCard(itemOfInterrupt(link.runId, link.agent, link.interrupt), { actions: false }));
  $('#link-reason-label').hidden = link.action !== 'deny';
  const confirm = $('#link-confirm');
  confirm.textContent = `Confirm: ${verb.toLowerCase()}`;
  confirm.className = link.action === 'approve' ? 'approve' : 'deny';
  confirm.addEventListener('click', async () => {
    confirm.disabled = true;
    $('#link-error').textContent = '';
    try {
      const reason = $('#link-reason').value.trim();
      const { status } = await api(`/links/${encodeURIComponent(token)}/confirm`, { binding: link.interrupt.binding, ...(reason ? { reason } : {}) });
      $('#link-body').hidden = true;
      $('#link-done').textContent = `${link.action === 'approve' ? 'Approved' : 'Denied'} as ${session.user}${proofNote(status, link.interrupt.id)}.`;
    } catch (failure) {
      $('#link-error').textContent = failure.message;
    }
  });
}

// ---------- signing in ----------

function startSignIn(then) {
  show('signin');
  const form = $('#signin-form');
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    $('#signin-error').textContent = '';
    try {
      session = await api('/signin', { name: form.elements.name.value, password: form.elements.password.value });
      signedIn();
      then();
    } catch (failure) {
      $('#signin-error').textContent = failure.message;
    }
  });
}

function signedIn() {
  $('#who').textContent = `${session.user}${session.dev ? ' (dev)' : ''}`;
  $('#signout').hidden = Boolean(session.dev);
}

$('#signout').addEventListener('click', async () => {
  await api('/signout', {}).catch(() => undefined);
  location.assign('/');
});

// ---------- routes ----------

function route() {
  const path = location.pathname;
  const question = /^\/runs\/([^/]+)\/questions\/([^/]+)$/.exec(path);
  if (question) return startQuestion(decodeURIComponent(question[1]), decodeURIComponent(question[2]));
  const run = /^\/runs\/(.+)$/.exec(path);
  if (run) return startRun(decodeURIComponent(run[1]));
  const link = /^\/links\/(.+)$/.exec(path);
  if (link) return startLink(decodeURIComponent(link[1]));
  if (path === '/signin') history.replaceState(null, '', '/');
  return startInbox();
}

setInterval(() => {
  for (const field of document.querySelectorAll('[data-field="age"]')) {
    if (field.dataset.raisedAt) field.textContent = `asked ${age(field.dataset.raisedAt)} ago`;
  }
}, 5000);

try {
  session = await api('/session');
  signedIn();
  route();
} catch (failure) {
  if (failure.status === 401) {
    startSignIn(route);
    // Why an earlier session no longer counts (expired, a rotated key, a new password), said once.
    if (failure.message !== 'sign in first') $('#signin-error').textContent = failure.message;
  } else {
    show('loading');
    $('#loading').textContent = `The inbox is not available: ${failure.message}`;
  }
}
