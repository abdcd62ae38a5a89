/**
 * Which model a run uses, as the CLI sees it: `--model provider:id` (or `--provider NAME` with a
 * plain `--model id`; or `--model scripted:FILE`, a script of turns read here and sent with the
 * run, because the worker that runs the model may be on another machine), else `AGENT_MODEL=provider:id`, else `AGENT_MODEL_PROVIDER` /
 * `BEDROCK_MODEL_ID`, else nothing: the run then uses the agent's own model, or the worker's
 * `auto` provider (Bedrock with AWS credentials on the worker, else the offline demo model).
 */
import { readFileSync, statSync } from 'node:fs';
import { parseModelChoice } from '../agent/model-choice.js';
import { MAX_SCRIPT_CHARS, parseScript, scriptedModel, SCRIPTED_PROVIDER } from '../agent/scripted-turns.js';
import type { ModelChoice } from '../agent/types.js';
import { awsCredentialsDetectable, providersWithApiKeys } from '../models/credentials.js';
import { DEFAULT_MODEL_IDS } from '../models/provider.js';

export const PROVIDERS = ['bedrock', 'openai', 'anthropic', 'demo'] as const;
type Provider = (typeof PROVIDERS)[number];

export const NO_CREDENTIALS_NOTICE =
  'No AWS credentials found: the worker falls back to the offline demo model (deterministic, no network) unless the agent names its model. ' +
  'It only drives the example file agents: for your own agent, pass --model scripted:FILE (offline) or a provider.';

export interface ModelFlags {
  provider?: string;
  model?: string;
}

export interface ResolvedModel {
  /** `undefined`: nothing was chosen; the agent's model or the worker's `auto` provider decides. */
  model: ModelChoice | undefined;
  /** Printed once on stderr when the run will probably fall back to the demo model. */
  notice?: string;
}

export function resolveModel(flags: ModelFlags, env: NodeJS.ProcessEnv = process.env): ResolvedModel {
  // BEDROCK_MODEL_ID is the Bedrock model whenever Bedrock is named without one.
  const bedrockModel = (provider: string | undefined) => (provider === 'bedrock' ? env.BEDROCK_MODEL_ID || undefined : undefined);
  if (flags.model || flags.provider) {
    return { model: fromParts({ name: '--model', text: flags.model || bedrockModel(flags.provider) }, { name: '--provider', text: flags.provider }) };
  }
  // As with the flags, AGENT_MODEL_PROVIDER may name the provider of a plain AGENT_MODEL id.
  const provider = env.AGENT_MODEL_PROVIDER || undefined;
  if (env.AGENT_MODEL) return { model: fromParts({ name: 'AGENT_MODEL', text: env.AGENT_MODEL }, { name: 'AGENT_MODEL_PROVIDER', text: provider }) };
  const named = provider ?? (env.BEDROCK_MODEL_ID ? 'bedrock' : undefined);
  if (named) return { model: fromParts({ name: 'BEDROCK_MODEL_ID', text: bedrockModel(named) }, { name: 'AGENT_MODEL_PROVIDER', text: named }) };
  const notice = noCredentialsNotice(env);
  return { model: undefined, ...(notice ? { notice } : {}) };
}

/**
 * Resolves the model. The fallback notice is about this machine's credentials, so it is printed (on
 * stderr) only where a worker runs in this process (`workerHere`: `demo`), never by a client command.
 */
export function chooseModel(flags: ModelFlags, workerHere = false): ModelChoice | undefined {
  const { model, notice } = resolveModel(flags);
  if (notice && workerHere) process.stderr.write(`${notice}\n`);
  return model;
}

/**
 * A model from a `provider:id` or a plain id and an optional provider name. Ids may hold colons
 * (`us.anthropic...-v1:0`, `llama3.2:3b`): only a known provider before the first colon makes
 * it `provider:id`.
 */
interface Named {
  /** The flag or variable it came from, for error messages. */
  name: string;
  text: string | undefined;
}

function fromParts(model: Named, provider: Named): ModelChoice {
  if (provider.text === undefined && model.text?.startsWith(`${SCRIPTED_PROVIDER}:`)) return scripted(model.name, model.text.slice(SCRIPTED_PROVIDER.length + 1));
  if (provider.text !== undefined && !isProvider(provider.text)) {
    throw new Error(`${provider.name}: unknown provider ${JSON.stringify(provider.text.slice(0, 40))}; use one of ${PROVIDERS.join(', ')}`);
  }
  const text = model.text ?? '';
  if (text === '') {
    if (provider.text === undefined) throw new Error(`${model.name} is empty: use provider:id, e.g. openai:gpt-5-mini`);
    return { provider: provider.text, modelId: DEFAULT_MODEL_IDS[provider.text] };
  }
  const prefix = text.slice(0, Math.max(0, text.indexOf(':')));
  const shown = JSON.stringify(text.slice(0, 100));
  if (isProvider(prefix)) {
    if (provider.text !== undefined && provider.text !== prefix) throw new Error(`${provider.name} ${provider.text} contradicts ${model.name} ${shown}`);
    return checked(model.name, text);
  }
  if (provider.text !== undefined) return checked(model.name, `${provider.text}:${text}`);
  if (/^[a-z][a-z0-9-]{0,31}$/.test(prefix)) {
    throw new Error(`${model.name}: unknown provider "${prefix}" in ${shown}; use one of ${PROVIDERS.join(', ')} (for example openai:${text.slice(0, 100)}), or scripted:FILE`);
  }
  throw new Error(`${model.name} ${shown} names no provider: use provider:id, e.g. openai:gpt-5-mini, or add ${provider.name}`);
}

function checked(name: string, text: string): ModelChoice {
  try {
    return parseModelChoice(text);
  } catch (error) {
    throw new Error(`${name}: ${(error as Error).message}`);
  }
}

/** The most a script file may hold (pretty-printed, comments of JSON keys and all) before it is read. */
const MAX_SCRIPT_FILE_BYTES = 64 * MAX_SCRIPT_CHARS;

/**
 * `scripted:FILE`: the file's script of turns, checked here and sent inline with the run (the
 * worker answers turn N from the conversation). One line names what is wrong with a bad script.
 */
function scripted(name: string, file: string): ModelChoice {
  if (file.trim() === '') throw new Error(`${name} scripted: needs a file: scripted:FILE, a JSON array of turns (docs/models.md)`);
  let text: string;
  try {
    if (statSync(file).size > MAX_SCRIPT_FILE_BYTES) {
      throw new Error(`${name}: the script ${JSON.stringify(file)} is over ${MAX_SCRIPT_FILE_BYTES / 1024} KB; a script may hold at most ${MAX_SCRIPT_CHARS} characters of compact JSON`);
    }
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === undefined) throw error;
    throw new Error(`${name}: cannot read the script ${JSON.stringify(file)}${code === 'ENOENT' ? ': no such file' : `: ${(error as Error).message}`}`);
  }
  try {
    return scriptedModel(parseScript(text, `the script ${JSON.stringify(file)}`));
  } catch (error) {
    throw new Error(`${name}: ${(error as Error).message}`);
  }
}

const isProvider = (name: string): name is Provider => (PROVIDERS as readonly string[]).includes(name);

/** Said where a worker runs when this machine has no credentials of any kind, or when only other providers have keys. */
export function noCredentialsNotice(env: NodeJS.ProcessEnv): string | undefined {
  if (awsCredentialsDetectable(env)) return undefined;
  const keyed = providersWithApiKeys(env);
  if (keyed.length === 0) return NO_CREDENTIALS_NOTICE;
  return `${NO_CREDENTIALS_NOTICE} To use ${keyed.join(' or ')}, pass --model ${keyed[0]}:${DEFAULT_MODEL_IDS[keyed[0]!]}.`;
}
