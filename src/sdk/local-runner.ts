/**
 * Runs an agent in plain Node, without Temporal: the same loop, hooks and interrupts, with
 * direct calls instead of activities. For unit tests and for measuring what durability costs.
 * Nothing here survives a crash; use the workflow for that.
 */
import type { AgentDefinition } from '../agent/definition.js';
import type { InterruptResponse } from '../agent/interrupts.js';
import { AgentLoop, type AgentRunOptions, type AgentRunResult } from '../agent/loop.js';
import type { AgentRuntime } from '../agent/runtime.js';
import { createToolActivity, type RegisteredTool } from '../activities/tool.js';
import { checkOutput } from '../activities/output-check.js';
import type { ModelProvider } from '../models/provider.js';

/** What a local run uses besides the model and the tools. */
export interface LocalServices {
  /** Public keys by approver name, for interrupts that count only signed answers. */
  approverKeys?: Record<string, string[]>;
  /** Lists the tools of an agent's MCP servers. */
  remoteTools?: AgentRuntime['remoteTools'];
  /** Runs a sub-agent for a sub-agent tool call. */
  runSubAgent?: AgentRuntime['runSubAgent'];
}

export class LocalAgentRunner {
  readonly loop: AgentLoop;
  private readonly waiters: Array<{ predicate: () => boolean; resolve: (met: boolean) => void }> = [];

  constructor(
    agent: AgentDefinition,
    model: ModelProvider,
    tools: readonly RegisteredTool[],
    options: AgentRunOptions,
    services: LocalServices = {},
  ) {
    const approverKeys = services.approverKeys ?? {};
    const runTool = createToolActivity(tools);
    const runtime: AgentRuntime = {
      callModel: async (request) => checkOutput(request, await model.invoke(request)),
      runTool: (call) => runTool(call),
      waitUntil: (predicate, timeoutMs) => {
        if (predicate()) return Promise.resolve(true);
        return new Promise<boolean>((resolve) => {
          const waiter = { predicate, resolve };
          this.waiters.push(waiter);
          if (timeoutMs === undefined) return;
          setTimeout(() => {
            const index = this.waiters.indexOf(waiter);
            if (index < 0) return;
            this.waiters.splice(index, 1);
            resolve(false);
          }, timeoutMs);
        });
      },
      now: () => new Date(),
      patched: () => true,
      runSubAgent: async (call) => {
        if (!services.runSubAgent) throw new Error(`sub-agent ${call.agent} needs a worker (child runs); give LocalAgentRunner a runSubAgent service`);
        return services.runSubAgent(call);
      },
      remoteTools: async (request) => {
        if (!services.remoteTools) throw new Error(`agent ${request.agentName} takes tools from MCP servers; give LocalAgentRunner a remoteTools service`);
        return services.remoteTools(request);
      },
      approverKeys: async (names) => (names === null ? { ...approverKeys } : Object.fromEntries(names.map((name) => [name, approverKeys[name] ?? []]))),
    };
    this.loop = new AgentLoop(agent, runtime, options);
  }

  private ended = false;

  async run(): Promise<AgentRunResult> {
    try {
      const outcome = await this.loop.run();
      // No shouldHandOff is given here, so the loop always finishes.
      if (outcome.type !== 'finished') throw new Error('a local run cannot hand off');
      return outcome.result;
    } finally {
      this.ended = true;
    }
  }

  /** Applies an answer (throws with the same message the update validator gives) and wakes the run. */
  respond(response: InterruptResponse): void {
    const problem = this.loop.book.check(response);
    if (problem) throw new Error(problem);
    this.loop.book.accept(response);
    for (const waiter of [...this.waiters]) {
      if (!waiter.predicate()) continue;
      this.waiters.splice(this.waiters.indexOf(waiter), 1);
      waiter.resolve(true);
    }
  }

  /** Resolves once the run waits for a human, or has ended. */
  async untilWaiting(): Promise<void> {
    while (!this.loop.book.isWaiting && !this.ended) await new Promise((resolve) => setImmediate(resolve));
  }
}
