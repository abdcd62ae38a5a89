/**
 * Model errors that no retry can fix. Shared by the providers (which mark their failures
 * non-retryable) and the workflow's retry policy; plain data, so workflow code may import it.
 */
export const PERMANENT_MODEL_ERRORS: readonly string[] = [
  // Bedrock: the AWS SDK's exception names.
  'ValidationException',
  'AccessDeniedException',
  'ResourceNotFoundException',
  'ModelErrorException',
  'ServiceQuotaExceededException',
  'UnrecognizedClientException',
  'ExpiredTokenException',
  'CredentialsProviderError',
  // OpenAI and Anthropic: one type per HTTP status class (./api-errors.ts).
  'ModelBadRequest',
  'ModelAuthenticationFailed',
  'ModelPermissionDenied',
  'ModelNotFound',
  'ModelUnprocessableRequest',
  'ModelRequestRejected',
  'ModelCredentialsMissing',
  'ModelClientError',
  // Every provider.
  'MalformedModelResponse',
  'UnknownModelProvider',
];
