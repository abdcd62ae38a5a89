/**
 * Checks a model's structured output against the run's output schema (agent/structured-output.ts),
 * here in the model activity, on the worker's Node side: the validator (Ajv, JSON Schema 2020-12)
 * never enters the workflow bundle, and the run reads only the verdict, recorded with the call.
 */
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import { toolUsesOf, type ModelRequest, type ModelResponse } from '../agent/types.js';

/** Compiled validators kept per worker, by schema JSON (runs of one agent share one). */
const MAX_CACHED = 200;
const validators = new Map<string, ValidateFunction | string>();
// Formats ("email", "date-time") are not checked: only what the schema's own keywords say (patterns included).
const ajv = new Ajv2020({ allErrors: true, strict: false, validateFormats: false, logger: false });

/** The longest `pattern` an output schema may hold. */
const MAX_PATTERN_CHARS = 512;
/**
 * A quantified group holding a quantifier ("(a+)+", "(\\w*)*", "(a|b+){2,}"): the classic patterns
 * whose matching time explodes on a crafted string. The validator runs patterns on the worker's
 * thread against what the model wrote, so such a pattern is refused with the schema.
 */
const NESTED_QUANTIFIER = /\((?:[^()\\]|\\.)*(?:[*+]|\{\d+,\d*\})(?:[^()\\]|\\.)*\)(?:[*+]|\{\d+,\d*\})/;

/** Why one of the schema's patterns is refused, or undefined. Walks without recursion: a schema may nest deeply. */
function riskyPattern(schema: object): string | undefined {
  const pending: unknown[] = [schema];
  while (pending.length > 0) {
    const node = pending.pop();
    if (typeof node !== 'object' || node === null) continue;
    for (const [key, value] of Object.entries(node)) {
      const patterns = key === 'pattern' && typeof value === 'string' ? [value] : key === 'patternProperties' && typeof value === 'object' && value !== null ? Object.keys(value) : [];
      for (const pattern of patterns) {
        if (pattern.length > MAX_PATTERN_CHARS) return `a pattern is ${pattern.length} characters long; at most ${MAX_PATTERN_CHARS}`;
        if (NESTED_QUANTIFIER.test(pattern)) return `the pattern ${JSON.stringify(pattern)} repeats a group that repeats (its matching time can explode); write it without nested repetition`;
      }
      pending.push(value);
    }
  }
  return undefined;
}

/** The validator of `schema`, or why it cannot be compiled. */
function validatorOf(schema: object): ValidateFunction | string {
  const key = JSON.stringify(schema);
  let validator = validators.get(key);
  if (validator === undefined) {
    const risky = riskyPattern(schema);
    if (risky !== undefined) validator = `the output schema is refused: ${risky}`;
    else {
      try {
        validator = ajv.compile(schema);
      } catch (error) {
        validator = `the output schema is not a valid JSON Schema: ${(error as Error).message}`;
      }
    }
    if (validators.size >= MAX_CACHED) validators.delete(validators.keys().next().value!);
    validators.set(key, validator);
  }
  return validator;
}

/** Why `schema` is not a JSON Schema this worker can check outputs against (2020-12), or undefined. */
export function outputSchemaCompileProblem(schema: object): string | undefined {
  const validator = validatorOf(schema);
  return typeof validator === 'string' ? validator : undefined;
}

/** At most this many problems are named (the model fixes them a few at a time anyway). */
const MOST_PROBLEMS = 5;

function describe(errors: readonly ErrorObject[]): string {
  const named = errors.slice(0, MOST_PROBLEMS).map((error) => {
    const at = error.instancePath || '(output)';
    const extra = error.keyword === 'additionalProperties' ? ` (${JSON.stringify((error.params as { additionalProperty?: string }).additionalProperty)})` : '';
    return `${at}: ${error.message ?? 'does not fit'}${extra}`;
  });
  return named.join('; ') + (errors.length > MOST_PROBLEMS ? `; and ${errors.length - MOST_PROBLEMS} more` : '');
}

/**
 * The response with its `outputCheck` when the request has an output tool and the model called
 * it: every such call's input must fit the tool's input schema (the run refuses more than one).
 */
export function checkOutput(request: ModelRequest, response: ModelResponse): ModelResponse {
  const name = request.outputTool;
  if (name === undefined) return response;
  const calls = toolUsesOf(response.message).filter((use) => use.name === name);
  if (calls.length === 0) return response;
  const spec = request.tools.find((tool) => tool.name === name);
  if (!spec) return { ...response, outputCheck: { fits: false, problem: `the request has no ${name} tool` } };
  const validator = validatorOf(spec.inputSchema);
  if (typeof validator === 'string') return { ...response, outputCheck: { fits: false, problem: validator } };
  for (const call of calls) {
    if (!validator(call.input)) return { ...response, outputCheck: { fits: false, problem: describe(validator.errors ?? []) } };
  }
  return { ...response, outputCheck: { fits: true } };
}
