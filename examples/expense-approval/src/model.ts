/**
 * An offline stand-in model, so the example runs without credentials: it reads "<employee>: <amount>
 * <currency> <description>" from the prompt, files it with one tool call, then reports the result.
 * With AWS credentials, start runs with { provider: 'bedrock', modelId: '...' } instead.
 */
import type { ModelRequest, ModelResponse } from 'durable-hitl-agents/workflow';
import type { ModelProvider } from 'durable-hitl-agents/worker';

const CLAIM = /^\s*([^:]+):\s*(\d+(?:\.\d+)?)\s+([A-Za-z]{3})\s+(.+?)\s*$/;
const usage = { inputTokens: 0, outputTokens: 0, totalTokens: 0 };

export class ExpenseRulesModel implements ModelProvider {
  async invoke(request: ModelRequest): Promise<ModelResponse> {
    const last = request.messages.at(-1);
    const result = last?.content.find((block) => 'toolResult' in block);
    if (result && 'toolResult' in result) {
      const text = result.toolResult.content.map((part) => ('text' in part ? part.text : JSON.stringify(part.json))).join(' ');
      return { message: { role: 'assistant', content: [{ text: `Done: ${text}` }] }, stopReason: 'end_turn', usage };
    }
    const prompt = last?.content.map((block) => ('text' in block ? block.text : '')).join(' ') ?? '';
    const match = CLAIM.exec(prompt);
    if (!match) {
      return { message: { role: 'assistant', content: [{ text: 'Please write "<employee>: <amount> <currency> <description>".' }] }, stopReason: 'end_turn', usage };
    }
    const [, employee = '', amount = '0', currency = '', description = ''] = match;
    const input = { employee: employee.trim(), amount: Number(amount), currency: currency.toUpperCase(), description };
    const toolUse = { toolUseId: `claim-${request.messages.length}`, name: 'submit_expense', input };
    return { message: { role: 'assistant', content: [{ toolUse }] }, stopReason: 'tool_use', usage };
  }
}
