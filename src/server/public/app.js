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
  if (!response.ok) {
    const error = new Error(data.error ?? `HTTP ${response.status}`);
    error.status = response.status;
    throw error;
  }
  return data;
}

// ---------- small helpers ----------

function show(id) {
  for (const section of ['loading', 'signin', 'inbox', 'run', 'link']) $(`#${section}`).hidden = section !== id;
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
    question: typeof interrupt.reason === 'string' ? interrupt.reason : (interrupt.reason && typeof interrupt.reason.message === 'string' ? interrupt.reason.message : interrupt.reason),
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
  run.href = `/runs/${encodeURIComponent(item.workflowId)}`;
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
  // A question that accepts only some words shows only the buttons that give one of them.
  const choices = item.accepts?.choices?.map((choice) => choice.toLowerCase());
  for (const [action, word] of [['approve', 'y'], ['deny', 'n'], ['trust', 't'], ['edit', undefined]]) {
    const button = card.querySelector(`[data-action="${action}"]`);
    if (button) button.hidden = Boolean(choices) && !choices.includes(word);
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
  };
  api('/inbox').then(render, (failure) => ($('#empty').textContent = failure.message));
  events?.close();
  events = new EventSource('/api/events');
  events.addEventListener('open', () => $('#live').classList.add('on'));
  events.addEventListener('error', () => $('#live').classList.remove('on'));
  events.addEventListener('inbox', (event) => render(JSON.parse(event.data)));
}

// ---------- a run: its questions and its audit ----------

async function startRun(runId) {
  show('run');
  $('#run-id').textContent = runId;
  const refresh = async () => {
    try {
      const status = await api(`/runs/${encodeURIComponent(runId)}`);
      $('#run-error').textContent = '';
      renderRun(runId, status);
    } catch (failure) {
      $('#run-error').textContent = failure.message;
    }
  };
  await refresh();
  setInterval(refresh, 3000);
}

function renderRun(runId, status) {
  $('#run-agent').textContent = status.agent;
  $('#run-phase').textContent = status.status;
  const pending = (status.pending ?? []).map((interrupt) => itemOfInterrupt(runId, status.agent, interrupt));
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
  if (failure.status === 401) startSignIn(route);
  else {
    show('loading');
    $('#loading').textContent = `The inbox is not available: ${failure.message}`;
  }
}
