/**
 * The failure converter of workers and bundles: a failure's message and stack trace travel in its
 * encoded attributes (a payload, so the codec encrypts them) instead of in clear. It is loaded by
 * path, in the workflow sandbox too, so this module imports only workflow-safe code. Clients need
 * nothing: every SDK reads encoded attributes back.
 */
import { DefaultFailureConverter } from '@temporalio/common';

export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
