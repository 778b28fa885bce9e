/**
 * The naming rules AWS applies to what a pipeline file names, checked before any call so that nothing
 * half-exists when AWS would say no. Pure; the pipeline schema (pipeline-schema.ts) turns each failed
 * rule into an error naming the path in the file.
 */

/**
 * DMS identifiers (endpoint, replication task, replication config): 1..255 ASCII letters, digits and
 * hyphens, starting with a letter, no trailing hyphen, no two hyphens in a row (AWS DMS API Reference,
 * CreateEndpoint EndpointIdentifier, CreateReplicationTask ReplicationTaskIdentifier).
 */
export const DMS_IDENTIFIER_RULE = "expected 1 to 255 ASCII letters, digits and hyphens, starting with a letter, with no '--' and no trailing '-'";
export function isDmsIdentifier(id: string): boolean {
  return id.length <= 255 && /^[a-zA-Z](?:-?[a-zA-Z0-9])*$/.test(id);
}

/**
 * S3 general purpose bucket names (Amazon S3 User Guide, "General purpose bucket naming rules"):
 * 3..63 lowercase letters, digits, dots and hyphens; a letter or digit first and last; no two adjacent
 * dots; not formatted as an IP address; none of the reserved prefixes and suffixes.
 */
const BUCKET_RESERVED_PREFIXES = ['xn--', 'sthree-', 'amzn-s3-demo-'];
const BUCKET_RESERVED_SUFFIXES = ['-s3alias', '--ol-s3', '.mrap', '--x-s3', '--table-s3'];
export function isBucketName(name: string): boolean {
  return (
    /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(name) &&
    !name.includes('..') &&
    !/^\d{1,3}(\.\d{1,3}){3}$/.test(name) &&
    !BUCKET_RESERVED_PREFIXES.some((p) => name.startsWith(p)) &&
    !BUCKET_RESERVED_SUFFIXES.some((s) => name.endsWith(s))
  );
}
export const BUCKET_ARN_RULE = 'expected an S3 bucket ARN (arn:aws:s3:::bucket-name; 3 to 63 lowercase letters, digits, dots and hyphens)';
export function isBucketArn(arn: string): boolean {
  const m = /^arn:aws[a-z-]*:s3:::(.*)$/.exec(arn);
  return Boolean(m && isBucketName(m[1]!));
}

/**
 * IAM role ARNs: arn:<partition>:iam::<12-digit account>:role/<path/><name>, the name 1..64 of
 * [A-Za-z0-9+=,.@_-], the path / or /<segments>/ up to 512 characters (IAM User Guide, "IAM identifiers";
 * IAM API Reference, CreateRole RoleName and Path).
 */
export const ROLE_ARN_RULE = 'expected an IAM role ARN (arn:aws:iam::<12-digit account>:role/<name>)';
export function isRoleArn(arn: string): boolean {
  const m = /^arn:aws[a-z-]*:iam::\d{12}:role\/(.*)$/.exec(arn);
  if (!m) return false;
  const rest = m[1]!;
  const slash = rest.lastIndexOf('/');
  const path = slash >= 0 ? `/${rest.slice(0, slash + 1)}` : '/';
  const name = rest.slice(slash + 1);
  return /^[\w+=,.@-]{1,64}$/.test(name) && path.length <= 512 && /^\/(?:[\x21-\x7e]+\/)*$/.test(path);
}

/** The expressions an S3 prefix may use without dynamic partitioning (Firehose Developer Guide, "Custom prefixes for Amazon S3 objects"). */
const PREFIX_EXPRESSION = /!\{([^}]*)\}/g;
/** Longest values an expression can take: error types (e.g. format-conversion-failed), the 11-character random string. */
const ERROR_OUTPUT_TYPE_MAX = 'format-conversion-failed'.length;
const RANDOM_STRING_LENGTH = 11;
export const PREFIX_MAX_EVALUATED = 512;

export interface PrefixProblem {
  key: 'prefix' | 'errorOutputPrefix';
  message: string;
}

/** The longest text a timestamp format can produce: each pattern letter run at its widest. */
function timestampWidth(format: string): number {
  // Month and day names (MMMM, EEEE) are the widest parts: September, Wednesday.
  return format.replace(/M{4,}|E{4,}/g, 'September').replace(/'([^']*)'/g, '$1').length;
}

/**
 * The Firehose S3 prefix rules (API Reference, ExtendedS3DestinationConfiguration; Developer Guide,
 * "Custom prefixes for Amazon S3 objects"): only known expressions; the error prefix is required when the
 * prefix uses expressions, and when it uses expressions itself it must contain
 * !{firehose:error-output-type}, which the prefix may not; each at most 512 characters once evaluated.
 */
export function prefixProblems(prefix: string | undefined, errorOutputPrefix: string | undefined): PrefixProblem[] {
  const problems: PrefixProblem[] = [];
  const check = (key: PrefixProblem['key'], value: string | undefined) => {
    if (value === undefined) return { has: false, types: new Set<string>() };
    const types = new Set<string>();
    let width = value.length;
    for (const m of value.matchAll(PREFIX_EXPRESSION)) {
      const [whole, inner] = [m[0], m[1]!];
      if (inner.startsWith('timestamp:') && inner.length > 'timestamp:'.length) {
        types.add('timestamp');
        width += timestampWidth(inner.slice('timestamp:'.length)) - whole.length;
      } else if (inner === 'firehose:random-string') {
        types.add(inner);
        width += RANDOM_STRING_LENGTH - whole.length;
      } else if (inner === 'firehose:error-output-type') {
        types.add(inner);
        width += ERROR_OUTPUT_TYPE_MAX - whole.length;
      } else {
        problems.push({ key, message: `expected only !{timestamp:<format>}, !{firehose:random-string} and !{firehose:error-output-type} expressions (got "${whole}")` });
      }
    }
    if (width > PREFIX_MAX_EVALUATED) problems.push({ key, message: `expected at most ${PREFIX_MAX_EVALUATED} characters once evaluated (this one can reach ${width})` });
    return { has: types.size > 0 || /!\{/.test(value), types };
  };
  const p = check('prefix', prefix);
  const e = check('errorOutputPrefix', errorOutputPrefix);
  if (p.types.has('firehose:error-output-type')) problems.push({ key: 'prefix', message: '!{firehose:error-output-type} is allowed only in errorOutputPrefix' });
  if (p.has && !errorOutputPrefix) problems.push({ key: 'errorOutputPrefix', message: 'required when firehose.prefix uses !{…} expressions' });
  if (e.has && !e.types.has('firehose:error-output-type')) problems.push({ key: 'errorOutputPrefix', message: 'expected !{firehose:error-output-type} in an error prefix that uses !{…} expressions' });
  return problems;
}
