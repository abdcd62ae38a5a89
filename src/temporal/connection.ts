/**
 * Connections to Temporal from the standard environment configuration (`TEMPORAL_ADDRESS`,
 * `TEMPORAL_NAMESPACE`, `TEMPORAL_API_KEY`, `TEMPORAL_TLS*`, profiles in temporal.toml).
 */
import { Client, Connection } from '@temporalio/client';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import { NativeConnection } from '@temporalio/worker';
import { clientDataConverterFromEnv } from '../codec/data-converter.js';

export interface TemporalTarget {
  address: string;
  namespace: string;
}

function config(override?: Partial<TemporalTarget>) {
  const { connectionOptions, namespace } = loadClientConnectConfig();
  return {
    connectionOptions: { ...connectionOptions, ...(override?.address ? { address: override.address } : {}) },
    namespace: override?.namespace ?? namespace ?? 'default',
  };
}

/** The address the environment or a temporal.toml profile names, if any: then no embedded server is needed. */
export function configuredAddress(): string | undefined {
  return process.env.TEMPORAL_ADDRESS || loadClientConnectConfig().connectionOptions.address || undefined;
}

/** A client; payloads are encrypted and decrypted with the keys in PAYLOAD_ENCRYPTION_KEY(S) when set. */
export async function connectClient(override?: Partial<TemporalTarget>): Promise<Client> {
  const { connectionOptions, namespace } = config(override);
  const dataConverter = clientDataConverterFromEnv();
  const connection = await Connection.connect({ ...connectionOptions, connectTimeout: '5s' });
  return new Client({ connection, namespace, ...(dataConverter ? { dataConverter } : {}) });
}

export async function connectWorker(override?: Partial<TemporalTarget>): Promise<{ connection: NativeConnection; namespace: string }> {
  const { connectionOptions, namespace } = config(override);
  return { connection: await NativeConnection.connect(connectionOptions), namespace };
}
