/**
 * The failure converter of workers and bundles: a failure's message and stack trace travel in its
 * encoded attributes (a payload, so the codec encrypts them) instead of in clear. It is loaded by
 * path, in the workflow sandbox too, so this module imports only workflow-safe code. Clients need
 * nothing: every SDK reads encoded attributes back.
 *
 * One exception: a payload the worker cannot decrypt (its keys lack the one the payload names)
 * fails the workflow task with a message that holds only key ids, never data. It stays in clear,
 * so that a client with the right key, reading the run's history, can say what the worker lacks
 * (encrypted with the worker's own keys, that client could not read it).
 */
import { DefaultFailureConverter, type PayloadConverter, type ProtoFailure } from '@temporalio/common';

class AgentFailureConverter extends DefaultFailureConverter {
  override errorToFailure(error: unknown, payloadConverter: PayloadConverter): ProtoFailure {
    if (error instanceof Error && error.name === 'PayloadDecodeError') {
      return new DefaultFailureConverter({ encodeCommonAttributes: false }).errorToFailure(error, payloadConverter);
    }
    return super.errorToFailure(error, payloadConverter);
  }
}

export const failureConverter = new AgentFailureConverter({ encodeCommonAttributes: true });
