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
  /** Set by the client factory: which service and endpoint the failed call went to. */
  $cdcpipe?: { service: string; endpoint?: string };
}

const UNREACHABLE = new Set(['ENOTFOUND', 'EAI_AGAIN', 'ECONNREFUSED', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET']);

/** An endpoint that cannot be reached, or that answers with something other than AWS JSON: name the service and where. */
function endpointProblem(e: SdkErrorLike, prefix: string): CliError | undefined {
  const where = e.$cdcpipe;
  if (!where) return undefined;
  const at = where.endpoint ? ` at ${where.endpoint}` : '';
  if (UNREACHABLE.has(e.code ?? '')) {
    return new AwsCallError(
      `${prefix}${where.service}${at} is not reachable (${e.code}: ${e.message ?? ''})`,
      e.code === 'ECONNREFUSED' ? 'nothing is listening there: check --endpoint-url / AWS_ENDPOINT_URL[_<SERVICE>]' : 'check the network, --region, and any AWS_ENDPOINT_URL[_<SERVICE>] setting',
    );
  }
  if (e.name === 'SyntaxError' || /Deserialization error/.test(e.message ?? '')) {
    return new AwsCallError(
      `${prefix}${where.service}${at} answered with something that is not an AWS answer (HTTP ${e.$metadata?.httpStatusCode ?? '?'}, ${(e.message ?? '').split('\n')[0]})`,
      'that endpoint is not this AWS service: check --endpoint-url / AWS_ENDPOINT_URL[_<SERVICE>] (a local server may serve only some services)',
    );
  }
  return undefined;
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
  const problem = endpointProblem(e, prefix);
  if (problem) return problem;
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
