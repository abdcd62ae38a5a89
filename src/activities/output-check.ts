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

/** The validator of `schema`, or why it cannot be compiled. */
function validatorOf(schema: object): ValidateFunction | string {
  const key = JSON.stringify(schema);
  let validator = validators.get(key);
  if (validator === undefined) {
    try {
      validator = ajv.compile(schema);
    } catch (error) {
      validator = `the output schema is not a valid JSON Schema: ${(error as Error).message}`;
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
