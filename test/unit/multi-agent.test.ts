/** The pure parts of graphs and swarms: which nodes run next, and when a swarm must stop. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { graph, type GraphContext } from '../../src/agent/multi-agent/graph-definition.js';
import { decide } from '../../src/agent/multi-agent/graph-schedule.js';
import { handoffProblem } from '../../src/agent/multi-agent/handoff.js';
import { swarm, swarmLimitProblem } from '../../src/agent/multi-agent/swarm-definition.js';

const node = (id: string) => ({ id, run: () => id });
const diamond = graph({
  name: 'diamond',
  nodes: [node('a'), node('b'), node('c'), node('d')],
  edges: [
    { from: 'a', to: 'b' },
    { from: 'a', to: 'c', when: (context) => context.results.a?.text === 'go' },
    { from: 'b', to: 'd' },
    { from: 'c', to: 'd' },
  ],
});
const context = (texts: Record<string, string>): GraphContext => ({
  task: 't',
  state: {},
  results: Object.fromEntries(Object.entries(texts).map(([id, text]) => [id, { status: 'completed' as const, text }])),
});

test('entry nodes start; a node waits for every input; a false condition skips; a join runs with the inputs traversed', () => {
  assert.deepEqual(decide(diamond, { a: 'pending', b: 'pending', c: 'pending', d: 'pending' }, context({})), { run: [{ id: 'a', inputs: [] }], skip: [] });
  assert.deepEqual(decide(diamond, { a: 'completed', b: 'pending', c: 'pending', d: 'pending' }, context({ a: 'go' })), { run: [{ id: 'b', inputs: ['a'] }, { id: 'c', inputs: ['a'] }], skip: [] });
  assert.deepEqual(decide(diamond, { a: 'completed', b: 'pending', c: 'pending', d: 'pending' }, context({ a: 'stop' })), { run: [{ id: 'b', inputs: ['a'] }], skip: ['c'] });
  // d waits while b runs, then joins b alone once c was skipped.
  assert.deepEqual(decide(diamond, { a: 'completed', b: 'executing', c: 'skipped', d: 'pending' }, context({ a: 'stop' })), { run: [], skip: [] });
  assert.deepEqual(decide(diamond, { a: 'completed', b: 'completed', c: 'skipped', d: 'pending' }, context({ a: 'stop', b: 'b' })), { run: [{ id: 'd', inputs: ['b'] }], skip: [] });
});

test('swarm limits: max handoffs, then ping-pong among too few agents; both can be turned off', () => {
  const s = swarm({ name: 's', agents: ['a', 'b', 'c'], maxHandoffs: 3 });
  assert.equal(swarmLimitProblem(s, ['a', 'b', 'c'], 'a'), undefined);
  assert.match(swarmLimitProblem(s, ['a', 'b', 'c', 'a'], 'b') ?? '', /handoff limit reached: 3 handoffs \(a -> b -> c -> a -> b\)/);
  const pingPong = swarm({ name: 'p', agents: ['a', 'b', 'c'] });
  assert.equal(swarmLimitProblem(pingPong, ['a', 'b', 'a', 'b'], 'a'), undefined);
  assert.match(swarmLimitProblem(pingPong, ['a', 'b', 'a', 'b', 'a'], 'b') ?? '', /repetitive handoff: the last 6 turns went to only a and b/);
  assert.equal(swarmLimitProblem(pingPong, ['a', 'b', 'c', 'a', 'b'], 'c'), undefined);
  const off = swarm({ name: 'o', agents: ['a', 'b'], repetitiveHandoff: { window: 0, minUniqueAgents: 0 } });
  assert.equal(swarmLimitProblem(off, ['a', 'b', 'a', 'b', 'a', 'b', 'a'], 'b'), undefined);
  assert.throws(() => swarm({ name: 'x', agents: ['a', 'a'] }), /"a" is named twice/);
  assert.throws(() => swarm({ name: 'x', agents: ['a'], entry: 'z' }), /entry "z" is not one of its agents/);
});

test('a handoff read back from the state is followed only to another agent of the definition', () => {
  const members = ['a', 'b'];
  assert.equal(handoffProblem({ agent: 'b', message: 'go', context: { x: 1 } }, members, 'a'), undefined);
  assert.match(handoffProblem({ agent: 'z', message: 'go' }, members, 'a') ?? '', /"z" is not an agent of the swarm \(a, b\)/);
  assert.match(handoffProblem({ agent: 'a', message: 'go' }, members, 'a') ?? '', /a handed off to itself/);
  assert.match(handoffProblem({ agent: ['b'], message: 'go' }, members, 'a') ?? '', /names no agent/);
  assert.match(handoffProblem('b', members, 'a') ?? '', /not an object/);
  assert.match(handoffProblem({ agent: 'b' }, members, 'a') ?? '', /no message/);
  assert.match(handoffProblem({ agent: 'b', message: 'go', context: ['x'] }, members, 'a') ?? '', /context is not an object/);
});
