/**
 * Maps AWS SDK errors onto cdcpipe's exit codes (4 not found, 5 credentials/access, 1 the rest).
 * Works on error names only, so the entry point can use it without loading the SDK.
 */
import { AuthError, AwsCallError, CliError, NotFoundError } from '../errors.js';

const NOT_FOUND = new Set(['ResourceNotFoundException', 'ResourceNotFoundFault', 'NoSuchEntityException', 'NoSuchEntity', 'NoSuchBucket']);
const AUTH = new Set([
  'CredentialsProviderError',
  'AccessDeniedException',
  'AccessDenied',
  'AccessDeniedFault',
  'UnrecognizedClientException',
  'InvalidClientTokenId',
  'InvalidSignatureException',
  'SignatureDoesNotMatch',
  'ExpiredTokenException',
  'ExpiredToken',
  'TokenRefreshRequired',
  'UnauthorizedOperation',
  'MissingAuthenticationToken',
]);

interface SdkErrorLike {
  name?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number; requestId?: string };
  code?: string;
}

export function isAwsError(err: unknown, ...names: string[]): boolean {
  const e = err as SdkErrorLike | undefined;
  return Boolean(e && typeof e === 'object' && names.includes(e.name ?? ''));
}

/** Turns any error into a CliError with an exit code and a hint; CliErrors pass through. */
export function toCliError(err: unknown, what?: string): CliError {
  if (err instanceof CliError) return err;
  const e = (err ?? {}) as SdkErrorLike;
  const name = e.name ?? 'Error';
  const prefix = what ? `${what}: ` : '';
  const message = `${prefix}${e.message ?? String(err)}`;
  if (NOT_FOUND.has(name)) {
    return new NotFoundError(message, 'check the name, the --region and the account (--profile) you are using');
  }
  if (AUTH.has(name) || /Could not load credentials|credentials? (?:is|are) missing|Token is expired/i.test(e.message ?? '')) {
    return new AuthError(
      message,
      name.startsWith('Expired') || /expired/i.test(e.message ?? '')
        ? 'your session token has expired: refresh it (aws sso login, or new temporary credentials) and retry'
        : 'check AWS_PROFILE/--profile, your credentials, and that the IAM policy allows this call',
    );
  }
  if (/Region is missing/i.test(e.message ?? '')) {
    return new AwsCallError(`${prefix}no AWS region configured`, 'pass --region, set AWS_REGION, or set a region in your profile');
  }
  const status = e.$metadata?.httpStatusCode;
  const hint =
    e.code === 'ECONNREFUSED' || /ECONNREFUSED/.test(e.message ?? '')
      ? 'nothing is listening at the endpoint: check --endpoint-url / AWS_ENDPOINT_URL'
      : status && status >= 500
        ? 'AWS answered with a server error after retries; try again later'
        : undefined;
  return new AwsCallError(`${prefix}${name === 'Error' ? '' : `${name}: `}${e.message ?? String(err)}`, hint);
}
