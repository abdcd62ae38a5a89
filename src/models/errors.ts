/**
 * Model errors that no retry can fix. Shared by the provider (which marks its failures
 * non-retryable) and the workflow's retry policy; plain data, so workflow code may import it.
 */
export const PERMANENT_MODEL_ERRORS: readonly string[] = [
  'ValidationException',
  'AccessDeniedException',
  'ResourceNotFoundException',
  'ModelErrorException',
  'ServiceQuotaExceededException',
  'UnrecognizedClientException',
  'ExpiredTokenException',
  'CredentialsProviderError',
  'MalformedModelResponse',
  'UnknownModelProvider',
];
