/** Failures read from raw server data (describe's pending activities) as a client would read them. */
import type { Client } from '@temporalio/client';
import { decodeOptionalFailureToOptionalError } from '@temporalio/common/lib/internal-non-workflow/codec-helpers.js';
import type { temporal } from '@temporalio/proto';

/** The failure's message, decoded: workers keep messages in encoded attributes (the codec encrypts them). */
export async function failureMessage(client: Client, failure: temporal.api.failure.v1.IFailure | null | undefined): Promise<string> {
  const error = await decodeOptionalFailureToOptionalError(client.options.loadedDataConverter, failure);
  return error?.message ?? '';
}
