// AWS SDK errors as one line a person can act on. Imported only by the error printer,
// and it reads the error's fields only, so it needs no SDK code. Errors of the credential
// chain and the region lookup are normally replaced, with the profile and files named,
// before they get here (src/aws/credential-sources.ts); what is below is the fallback for
// one that was not (an error of a client not built by AwsClients).

export interface Described {
  message: string;
  hint?: string;
  requestId?: string;
}

interface SdkError {
  name?: string;
  Code?: string;
  message?: string;
  code?: string;
  $metadata?: { requestId?: string; attempts?: number; httpStatusCode?: number };
}

export function isAwsError(err: unknown): boolean {
  const e = err as SdkError;
  return Boolean(e && typeof e === 'object' && (e.$metadata || e.name === 'CredentialsProviderError' || e.name === 'TokenProviderError'));
}

export function describeAwsError(err: unknown): Described {
  const e = err as SdkError;
  const name = e.name ?? e.Code ?? 'Error';
  const requestId = e.$metadata?.requestId;
  const attempts = e.$metadata?.attempts;
  const text = (e.message ?? '').split('Encoded authorization failure message')[0]!.trim().replace(/\s+/g, ' ');
  switch (name) {
    case 'CredentialsProviderError':
    case 'TokenProviderError':
      if (/aws sso login/i.test(text)) {
        return { message: `the SSO login ${/expired|cannot refresh/i.test(text) ? 'has expired' : 'is missing'}; run: aws sso login --profile NAME` };
      }
      return {
        message: 'no AWS credentials found',
        hint: 'put AWSAccessKeyId and AWSSecretKey in ~/.awscred (or pass --awscred FILE), pass --profile NAME, or set AWS_PROFILE / AWS_ACCESS_KEY_ID',
      };
    case 'AuthFailure':
    case 'InvalidClientTokenId':
    case 'UnrecognizedClientException':
    case 'SignatureDoesNotMatch':
    case 'InvalidSignatureException':
      return { message: `AWS rejected the credentials (${name})`, hint: 'check the access key id and secret in your awscred file or profile', requestId };
    case 'UnauthorizedOperation':
    case 'AccessDenied':
    case 'AccessDeniedException':
      return { message: `not permitted: ${text || name}`, hint: 'ask for the missing IAM permission', requestId };
    case 'Throttling':
    case 'ThrottlingException':
    case 'RequestLimitExceeded':
    case 'PriorRequestNotComplete':
      return {
        message: `AWS throttled the request and it still failed after ${attempts ?? 'several'} attempts`,
        hint: 'wait a minute and run it again',
        requestId,
      };
    default:
      break;
  }
  const refused = /Region not accepted: region="(.*)"/s.exec(text);
  if (refused) return { message: `'${refused[1]}' is not an AWS region name; a region looks like us-east-1 or eu-west-2` };
  if (/region is missing/i.test(text)) {
    return { message: 'no AWS region set', hint: 'pass --region, set AWSRegion in awscred, or export AWS_REGION' };
  }
  if (e.code === 'ENOTFOUND' || e.code === 'ECONNREFUSED' || e.code === 'ETIMEDOUT') {
    return { message: `cannot reach the AWS endpoint (${e.code})`, hint: 'check the network, --endpoint-url and AWS_ENDPOINT_URL' };
  }
  return { message: `${name}: ${text || 'request failed'}`, requestId };
}
