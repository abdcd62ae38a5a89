/**
 * A model provider for tests: each `script(...)` is a model of its own (a fresh model id) that
 * replays the given turns in order and records the requests it got. Tests never consume each
 * other's turns, and an agent's approval flow runs offline and deterministically.
 *
 * Registered as the worker's `scripted` provider it also answers inline scripts (`scripted:FILE`
 * from the CLI, `scriptedModel(turns)` in code) as every worker's own `scripted` provider does.
 * Both share the turn type and the turn-to-response code (agent/scripted-turns.ts).
 */
import { ApplicationFailure } from '@temporalio/common';
import type { ModelChoice, ModelRequest, ModelResponse } from '../agent/types.js';
import { isInlineScript, scriptedResponse, SCRIPTED_PROVIDER, type ScriptedTurn } from '../agent/scripted-turns.js';
import type { ModelProvider } from '../models/provider.js';
import { ScriptedProvider } from '../models/scripted.js';

export { SCRIPTED_PROVIDER, type ScriptedTurn };

export class ScriptedModels implements ModelProvider {
  private readonly scripts = new Map<string, ScriptedTurn[]>();
  private readonly received = new Map<string, ModelRequest[]>();
  private readonly inline = new ScriptedProvider();
  private count = 0;

  /** A model that answers with these turns, one per call; register this provider as `scripted`. */
  script(...turns: ScriptedTurn[]): ModelChoice {
    const modelId = `script-${++this.count}`;
    this.scripts.set(modelId, [...turns]);
    this.received.set(modelId, []);
    return { provider: SCRIPTED_PROVIDER, modelId };
  }

  /** What the scripted model (or an inline script, `scriptedModel(turns)`) was asked, call by call. */
  requests(model: ModelChoice): ModelRequest[] {
    return this.received.get(model.modelId) ?? [];
  }

  /** Turns not used yet. */
  remaining(model: ModelChoice): number {
    return this.scripts.get(model.modelId)?.length ?? 0;
  }

  async invoke(request: ModelRequest): Promise<ModelResponse> {
    const turns = this.scripts.get(request.model.modelId);
    if (!turns && isInlineScript(request.model.modelId)) {
      const response = await this.inline.invoke(request);
      this.received.set(request.model.modelId, [...this.requests(request.model), structuredClone(request)]);
      return response;
    }
    const turn = turns?.shift();
    if (!turns || !turn) {
      const why = turns ? `was called more often than scripted` : 'was never scripted';
      throw ApplicationFailure.create({ type: 'ScriptExhausted', message: `scripted model "${request.model.modelId}" ${why}`, nonRetryable: true });
    }
    this.received.get(request.model.modelId)?.push(structuredClone(request));
    const calls = this.received.get(request.model.modelId)?.length ?? 0;
    return scriptedResponse(turn, `${request.model.modelId}-${calls}`);
  }
}
