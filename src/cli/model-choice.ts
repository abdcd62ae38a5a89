/**
 * Which model a run uses: `--provider` / `--model`, else `AGENT_MODEL_PROVIDER` /
 * `BEDROCK_MODEL_ID`, else Bedrock when AWS credentials are detectable, else the offline demo model.
 */
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ModelChoice } from '../agent/types.js';
import { DEFAULT_BEDROCK_MODEL_ID, DEMO_MODEL_ID } from '../models/provider.js';

export const PROVIDERS = ['bedrock', 'demo'] as const;

export const NO_CREDENTIALS_NOTICE = 'No AWS credentials found: using the offline demo model (deterministic, no network).';

const CREDENTIAL_VARIABLES = [
  'AWS_ACCESS_KEY_ID',
  'AWS_PROFILE',
  'AWS_BEARER_TOKEN_BEDROCK',
  'AWS_WEB_IDENTITY_TOKEN_FILE',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI',
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
];

/** True when the AWS SDK's default credential chain has something to start from. */
export function awsCredentialsDetectable(env: NodeJS.ProcessEnv = process.env): boolean {
  if (CREDENTIAL_VARIABLES.some((name) => Boolean(env[name]))) return true;
  const home = safeHomedir();
  const files = [
    env.AWS_SHARED_CREDENTIALS_FILE || (home ? path.join(home, '.aws', 'credentials') : undefined),
    env.AWS_CONFIG_FILE || (home ? path.join(home, '.aws', 'config') : undefined),
  ];
  return files.some((file) => file !== undefined && existsSync(file));
}

function safeHomedir(): string | undefined {
  try {
    return os.homedir() || undefined;
  } catch {
    return undefined;
  }
}

export interface ModelFlags {
  provider?: string;
  model?: string;
}

export interface ResolvedModel {
  model: ModelChoice;
  /** Printed once on stderr when the choice fell back to the demo model for lack of credentials. */
  notice?: string;
}

export function resolveModel(flags: ModelFlags, env: NodeJS.ProcessEnv = process.env): ResolvedModel {
  let provider = flags.provider || env.AGENT_MODEL_PROVIDER || undefined;
  let notice: string | undefined;
  if (!provider) {
    if (awsCredentialsDetectable(env)) provider = 'bedrock';
    else {
      provider = 'demo';
      notice = NO_CREDENTIALS_NOTICE;
    }
  }
  const modelId =
    flags.model || (provider === 'bedrock' ? env.BEDROCK_MODEL_ID || DEFAULT_BEDROCK_MODEL_ID : provider === 'demo' ? DEMO_MODEL_ID : undefined);
  if (!modelId) throw new Error(`provider "${provider}" has no default model; pass --model`);
  return { model: { provider, modelId }, ...(notice !== undefined ? { notice } : {}) };
}

/** Resolves the model and prints the fallback notice, if any, on stderr. */
export function chooseModel(flags: ModelFlags): ModelChoice {
  const { model, notice } = resolveModel(flags);
  if (notice) process.stderr.write(`${notice}\n`);
  return model;
}
