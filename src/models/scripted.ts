/**
 * The `scripted` provider every worker has: an offline model whose script travels with the run
 * (`--model scripted:FILE`, or `scriptedModel(turns)` in code). It answers turn N from the
 * conversation itself (the assistant turns since the prompt), so retries, worker restarts and
 * replays get the same answers, on any worker, without state. See agent/scripted-turns.ts.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { ModelRequest, ModelResponse } from '../agent/types.js';
import { inlineScript, isInlineScript, scriptedResponse, turnIndex, type ScriptedTurn } from '../agent/scripted-turns.js';
import type { ModelProvider } from './provider.js';

function refuse(type: string, message: string): ApplicationFailure {
  return ApplicationFailure.create({ type, message, nonRetryable: true });
}

export class ScriptedProvider implements ModelProvider {
  async invoke(request: ModelRequest): Promise<ModelResponse> {
    const { modelId } = request.model;
    if (!isInlineScript(modelId)) {
      throw refuse(
        'ScriptNotFound',
        `scripted model "${modelId.slice(0, 64)}" is not a script: start the run with --model scripted:FILE (a JSON array of turns) or scriptedModel(turns); ` +
          'the ids of ScriptedModels.script(...) need that ScriptedModels registered as the worker\'s "scripted" provider (AgentTestEnvironment does)',
      );
    }
    let turns: ScriptedTurn[];
    try {
      turns = inlineScript(modelId);
    } catch (error) {
      throw refuse('InvalidScript', `scripted model: ${(error as Error).message}`);
    }
    const index = turnIndex(request.messages);
    const turn = turns[index];
    if (!turn) {
      throw refuse(
        'ScriptExhausted',
        `the scripted model has ${turns.length} turn${turns.length === 1 ? '' : 's'} and the run asked for turn ${index + 1}: end the script with a {"text": "..."} turn, or add turns`,
      );
    }
    return scriptedResponse(turn, `scripted-${index + 1}`);
  }
}
