/** Quiets the Temporal SDK: worker and native logs at WARN. Call before anything touches the Temporal runtime. */
import { DefaultLogger, Runtime } from '@temporalio/worker';

export function installQuietRuntime(): void {
  Runtime.install({
    logger: new DefaultLogger('WARN'),
    telemetryOptions: { logging: { filter: { core: 'WARN', other: 'WARN' }, forward: {} } },
  });
}
