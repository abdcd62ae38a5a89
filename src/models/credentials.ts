/** Whether this machine has credentials for a model service (no network: environment and files only). */
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const AWS_CREDENTIAL_VARIABLES = [
  'AWS_ACCESS_KEY_ID',
  'AWS_PROFILE',
  'AWS_BEARER_TOKEN_BEDROCK',
  'AWS_WEB_IDENTITY_TOKEN_FILE',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI',
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
];

/** True when the AWS SDK's default credential chain has something to start from. */
export function awsCredentialsDetectable(env: NodeJS.ProcessEnv = process.env): boolean {
  if (AWS_CREDENTIAL_VARIABLES.some((name) => Boolean(env[name]))) return true;
  const home = safeHomedir();
  const files = [
    env.AWS_SHARED_CREDENTIALS_FILE || (home ? path.join(home, '.aws', 'credentials') : undefined),
    env.AWS_CONFIG_FILE || (home ? path.join(home, '.aws', 'config') : undefined),
  ];
  return files.some((file) => file !== undefined && existsSync(file));
}

/** The providers other than Bedrock whose API key is set (`OPENAI_API_KEY`, `ANTHROPIC_API_KEY`). */
export function providersWithApiKeys(env: NodeJS.ProcessEnv = process.env): Array<'openai' | 'anthropic'> {
  return (['openai', 'anthropic'] as const).filter((provider) => Boolean(env[`${provider.toUpperCase()}_API_KEY`]?.trim()));
}

function safeHomedir(): string | undefined {
  try {
    return os.homedir() || undefined;
  } catch {
    return undefined;
  }
}
