/**
 * Validates what a model returned. The AWS SDK accepts `{}` as a Converse response, so the
 * agent checks the shape itself and fails clearly (and non-retryably) on garbage.
 */
import { z } from 'zod';
import { describeIssues, type ModelResponse } from '../agent/types.js';

const jsonValue: z.ZodType = z.lazy(() =>
  z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(jsonValue), z.record(z.string(), jsonValue)]),
);

const contentBlock = z.union([
  z.object({ text: z.string() }).strict(),
  z
    .object({
      toolUse: z.object({ toolUseId: z.string().min(1), name: z.string().min(1), input: jsonValue }).strict(),
    })
    .strict(),
]);

// Any non-empty string: Bedrock adds stop reasons over time, and an unknown one must not kill a run.
const stopReason = z.string().min(1);

const usage = z.object({
  inputTokens: z.number().int().nonnegative(),
  outputTokens: z.number().int().nonnegative(),
  totalTokens: z.number().int().nonnegative(),
});

export const modelResponseSchema = z.object({
  message: z.object({
    role: z.literal('assistant'),
    content: z.array(contentBlock).min(1, 'the model returned an empty message'),
  }),
  stopReason,
  usage,
});

/** The parsed response, or a one-line description of what is wrong with it. */
export function parseModelResponse(raw: unknown): { ok: true; value: ModelResponse } | { ok: false; problem: string } {
  const parsed = modelResponseSchema.safeParse(raw);
  if (parsed.success) return { ok: true, value: parsed.data as ModelResponse };
  const problem = describeIssues(parsed.error.issues.slice(0, 3), '(response)');
  return { ok: false, problem };
}
