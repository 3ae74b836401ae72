// Credential and region errors through the SDK's real provider chain: no provider is
// mocked. Each test writes ~/.aws files into a fresh HOME; EC2 requests go to a local
// server (--endpoint-url), and so does the one SSO call the chain makes on its own (the
// OIDC token refresh, via AWS_ENDPOINT_URL_SSO_OIDC). Every socket the process opens is
// recorded, and each test checks that none left loopback.
import { createHash } from 'node:crypto';
import dns from 'node:dns';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import net from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runBin } from '../support/bin.js';
import { runCli, testEnv, writeAwsCred, type CliResult } from '../support/cli.js';

interface Hit {
  method: string;
  url: string;
  body: string;
  authorization: string;
}

let server: Server;
let endpoint: string;
const hits: Hit[] = [];
const connects: string[] = [];
// Kept to be called with .apply on each socket, so its `this` is always a socket.
// eslint-disable-next-line @typescript-eslint/unbound-method
const originalConnect = net.Socket.prototype.connect;

const EC2_OK =
  '<DescribeSecurityGroupsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>req-1</requestId>' +
  '<securityGroupInfo><item><groupId>sg-0123456789abcdef0</groupId><groupName>web</groupName><groupDescription>web servers</groupDescription>' +
  '<ipPermissions/><ipPermissionsEgress/></item></securityGroupInfo></DescribeSecurityGroupsResponse>';

beforeAll(async () => {
  // Where every TCP connection of this process goes (the SDK's HTTP handler included).
  net.Socket.prototype.connect = function (this: net.Socket, ...args: unknown[]) {
    // net.connect() hands over its arguments normalised: [options, callback].
    const first = (Array.isArray(args[0]) ? args[0][0] : args[0]) as { host?: string; path?: string } | number | string;
    const host =
      typeof first === 'object' && first !== null ? (first.path ? 'unix' : (first.host ?? 'localhost')) : typeof args[1] === 'string' ? args[1] : 'localhost';
    connects.push(host);
    return (originalConnect as (...a: unknown[]) => net.Socket).apply(this, args);
  };
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      hits.push({ method: req.method ?? '', url: req.url ?? '', body, authorization: req.headers.authorization ?? '' });
      if (req.url === '/token') {
        // SSO OIDC refuses the refresh: the cached login is over.
        res.writeHead(400, { 'content-type': 'application/json', 'x-amzn-errortype': 'InvalidGrantException' });
        res.end('{"error":"invalid_grant","error_description":"refresh token expired"}');
        return;
      }
      res.writeHead(200, { 'content-type': 'text/xml' });
      res.end(EC2_OK);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as net.AddressInfo;
  endpoint = `http://127.0.0.1:${address.port}`;
});

afterAll(async () => {
  net.Socket.prototype.connect = originalConnect;
  await new Promise((resolve) => server.close(resolve));
});

afterEach(() => {
  const outside = connects.filter((h) => h !== '127.0.0.1' && h !== 'localhost' && h !== '::1' && h !== 'unix');
  hits.length = 0;
  connects.length = 0;
  expect(outside).toEqual([]);
});

/** A fresh HOME with no keys in the environment unless given, and ~/.aws files. */
function awsEnv(files: Record<string, string>, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = testEnv({ AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined, ...extra });
  for (const [path, text] of Object.entries(files)) {
    const full = join(env.HOME!, path);
    mkdirSync(join(full, '..'), { recursive: true });
    writeFileSync(full, text);
  }
  return env;
}

/**
 * Runs the CLI in-process. The SDK reads process.env (AWS_PROFILE, HOME, AWS_CONFIG_FILE,
 * the endpoint variables), so the run's environment is the process's while it runs.
 */
async function cli(argv: string[], env: NodeJS.ProcessEnv, local = true): Promise<CliResult> {
  const saved = process.env;
  process.env = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined));
  try {
    return await runCli([...argv, ...(local ? ['--endpoint-url', endpoint] : [])], env, undefined, { onRunner: (r) => r.aws.reportTo(r.out) });
  } finally {
    process.env = saved;
  }
}

const lines = (text: string) => text.split('\n').filter((l) => l !== '');
const ec2Requests = () => hits.filter((h) => h.body.includes('Action=DescribeSecurityGroups'));

const SSO_SESSION_CONFIG = `[profile dev]
sso_session = corp
sso_account_id = 111122223333
sso_role_name = Admin
region = us-east-1

[sso-session corp]
sso_start_url = https://corp.awsapps.com/start
sso_region = us-east-1
sso_registration_scopes = sso:account:access
`;

const SSO_LEGACY_CONFIG = `[profile old]
sso_start_url = https://corp.awsapps.com/start
sso_region = us-east-1
sso_account_id = 111122223333
sso_role_name = Admin
`;

/** The file the AWS CLI caches an SSO login in: named by the session name, or by the start URL for legacy profiles. */
const ssoCache = (key: string) => `.aws/sso/cache/${createHash('sha1').update(key).digest('hex')}.json`;

describe('SDK warnings', () => {
  // The SDK prints its block once per process, so the --debug case runs first.
  it('with --debug, the SDK’s own warning text may appear, as debug lines', async () => {
    const env = awsEnv(
      { '.aws/credentials': '[work]\naws_access_key_id = AKIDPROFILEKEY\naws_secret_access_key = profile-secret-value-123\n' },
      { AWS_ACCESS_KEY_ID: 'AKIDENVKEY', AWS_SECRET_ACCESS_KEY: 'env-secret-value-456' },
    );
    const r = await cli(['ec2:securitygroup:list', '--profile', 'work', '--debug'], env);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("warning: profile 'work' (--profile) is used; AWS_ACCESS_KEY_ID from the environment is not");
    expect(r.stderr).toMatch(/debug: .*Multiple credential sources detected/);
    expect(r.stdout + r.stderr).not.toContain('env-secret-value-456');
    expect(r.stdout + r.stderr).not.toContain('profile-secret-value-123');
  });

  it('environment keys plus a profile: exactly one warning line, naming the source used', async () => {
    const env = awsEnv(
      { '.aws/credentials': '[work]\naws_access_key_id = AKIDPROFILEKEY\naws_secret_access_key = profile-secret-value-123\n' },
      { AWS_ACCESS_KEY_ID: 'AKIDENVKEY', AWS_SECRET_ACCESS_KEY: 'env-secret-value-456', AWS_PROFILE: 'work' },
    );
    const r = await cli(['ec2:securitygroup:list'], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('sg-0123456789abcdef0');
    const warnings = lines(r.stderr).filter((l) => !l.startsWith('task:'));
    expect(warnings).toEqual(["warning: profile 'work' (AWS_PROFILE) is used; AWS_ACCESS_KEY_ID from the environment is not"]);
    // The request went to the local endpoint, signed with the profile's key, as the warning says.
    expect(connects).toContain('127.0.0.1');
    expect(ec2Requests().map((h) => /Credential=(\w+)\//.exec(h.authorization)?.[1])).toEqual(['AKIDPROFILEKEY']);
  });

  it('keys in the awscred file beat a profile, and the warning says so', async () => {
    const env = awsEnv({ '.aws/config': '[profile work]\nregion = eu-west-1\n' }, { AWS_PROFILE: 'work' });
    const cred = writeAwsCred(env, 'AWSAccessKeyId=AKIDFROMFILE\nAWSSecretKey=file-secret-value-789\n');
    const r = await cli(['ec2:securitygroup:list'], env);
    expect(r.code).toBe(0);
    expect(lines(r.stderr).filter((l) => l.startsWith('warning:'))).toEqual([
      `warning: AWSAccessKeyId from ${cred} is used; profile 'work' (AWS_PROFILE) is not`,
    ]);
    expect(r.stdout + r.stderr).not.toContain('file-secret-value-789');
    expect(ec2Requests().map((h) => /Credential=(\w+)\//.exec(h.authorization)?.[1])).toEqual(['AKIDFROMFILE']);
  });

  it('the built command prints the one line too, and no SDK or Node warning block', async () => {
    const env = awsEnv(
      { '.aws/credentials': '[work]\naws_access_key_id = AKIDPROFILEKEY\naws_secret_access_key = profile-secret-value-123\n' },
      { AWS_ACCESS_KEY_ID: 'AKIDENVKEY', AWS_SECRET_ACCESS_KEY: 'env-secret-value-456', AWS_PROFILE: 'work' },
    );
    const r = await runBin(['ec2:securitygroup:list', '--endpoint-url', endpoint], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('sg-0123456789abcdef0');
    expect(lines(r.stderr).filter((l) => !l.startsWith('task:'))).toEqual([
      "warning: profile 'work' (AWS_PROFILE) is used; AWS_ACCESS_KEY_ID from the environment is not",
    ]);
  });
});

describe('credential errors, one line each', () => {
  it('SSO session without a cached token: run aws sso login --profile NAME, before any request', async () => {
    const env = awsEnv({ '.aws/config': SSO_SESSION_CONFIG });
    const r = await cli(['ec2:securitygroup:list', '--profile', 'dev'], env);
    expect(r.code).toBe(1);
    expect(lines(r.stderr).filter((l) => l.startsWith('error:'))).toEqual([
      "error: profile 'dev' has no SSO login (no cached SSO token); run: aws sso login --profile dev",
    ]);
    expect(r.stderr).not.toContain('debug:');
    expect(hits).toEqual([]);
  });

  it('SSO session whose token expired and cannot be refreshed: the OIDC refresh goes to the local endpoint only', async () => {
    const env = awsEnv(
      {
        '.aws/config': SSO_SESSION_CONFIG,
        [ssoCache('corp')]: JSON.stringify({
          accessToken: 'sso-access-token-expired-1',
          expiresAt: '2020-01-01T00:00:00Z',
          clientId: 'client-id',
          clientSecret: 'client-secret-value-1234',
          refreshToken: 'refresh-token-value-5678',
          region: 'us-east-1',
          startUrl: 'https://corp.awsapps.com/start',
        }),
      },
      { AWS_PROFILE: 'dev', AWS_ENDPOINT_URL_SSO_OIDC: endpoint },
    );
    const r = await cli(['ec2:securitygroup:list'], env);
    expect(r.code).toBe(1);
    expect(lines(r.stderr).filter((l) => l.startsWith('error:'))).toEqual([
      "error: the SSO login of profile 'dev' has expired; run: aws sso login --profile dev",
    ]);
    expect(hits.map((h) => h.url)).toEqual(['/token']);
    expect(ec2Requests()).toEqual([]);
  });

  it('SSO session token expired without refresh data: no request at all', async () => {
    const env = awsEnv({
      '.aws/config': SSO_SESSION_CONFIG,
      [ssoCache('corp')]: JSON.stringify({ accessToken: 'sso-access-token-expired-2', expiresAt: '2020-01-01T00:00:00Z' }),
    });
    const r = await cli(['ec2:securitygroup:list', '--profile', 'dev'], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: the SSO login of profile 'dev' has expired; run: aws sso login --profile dev$/m);
    expect(hits).toEqual([]);
  });

  it('legacy SSO profile, missing and expired token', async () => {
    const missing = await cli(['ec2:securitygroup:list', '--profile', 'old'], awsEnv({ '.aws/config': SSO_LEGACY_CONFIG }));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^error: profile 'old' has no SSO login \(no cached SSO token\); run: aws sso login --profile old$/m);
    const expired = await cli(
      ['ec2:securitygroup:list', '--profile', 'old'],
      awsEnv({
        '.aws/config': SSO_LEGACY_CONFIG,
        [ssoCache('https://corp.awsapps.com/start')]: JSON.stringify({ accessToken: 'legacy-token-expired-3', expiresAt: '2020-01-01T00:00:00Z' }),
      }),
    );
    expect(expired.code).toBe(1);
    expect(expired.stderr).toMatch(/^error: the SSO login of profile 'old' has expired; run: aws sso login --profile old$/m);
    expect(hits).toEqual([]);
  });

  it('a role profile whose source is an SSO profile names the SSO profile to log in with', async () => {
    const config = `${SSO_SESSION_CONFIG}\n[profile admin]\nrole_arn = arn:aws:iam::111122223333:role/Admin\nsource_profile = dev\n`;
    const r = await cli(['ec2:securitygroup:list', '--profile', 'admin'], awsEnv({ '.aws/config': config }));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: profile 'dev' has no SSO login \(no cached SSO token\); run: aws sso login --profile dev$/m);
    expect(hits).toEqual([]);
  });

  it('a profile that does not exist: named, with the files searched and the profiles there', async () => {
    const env = awsEnv({ '.aws/config': '[default]\nregion = us-east-1\n[profile staging]\nregion = eu-west-1\n' });
    const r = await cli(['ec2:securitygroup:list', '--profile', 'prod'], env);
    expect(r.code).toBe(2);
    expect(lines(r.stderr).filter((l) => l.startsWith('error:'))).toEqual([
      "error: profile 'prod' (--profile) not found in ~/.aws/config or ~/.aws/credentials (no such file); profiles there: default, staging",
    ]);
    expect(hits).toEqual([]);
  });

  it('a profile that does not exist and no region anywhere: the profile, not "Region is missing"', async () => {
    const env = awsEnv({}, { AWS_REGION: undefined, AWS_PROFILE: 'prod' });
    const r = await cli(['ec2:securitygroup:list'], env);
    expect(r.code).toBe(2);
    expect(r.stderr).not.toMatch(/region/i);
    expect(r.stderr).toMatch(
      /^error: profile 'prod' \(AWS_PROFILE\) not found in ~\/\.aws\/config \(no such file\) or ~\/\.aws\/credentials \(no such file\)$/m,
    );
    expect(hits).toEqual([]);
  });

  it('AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE are the files named when set', async () => {
    const env = awsEnv({
      'elsewhere/config': '[profile a]\nregion = us-east-1\n',
      'elsewhere/creds': '[b]\naws_access_key_id = AKIDB\naws_secret_access_key = b-secret-value-0000\n',
    });
    env.AWS_CONFIG_FILE = join(env.HOME!, 'elsewhere/config');
    env.AWS_SHARED_CREDENTIALS_FILE = join(env.HOME!, 'elsewhere/creds');
    const r = await cli(['ec2:securitygroup:list', '--profile', 'c'], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      `error: profile 'c' (--profile) not found in AWS_CONFIG_FILE=${env.AWS_CONFIG_FILE} or AWS_SHARED_CREDENTIALS_FILE=${env.AWS_SHARED_CREDENTIALS_FILE}; profiles there: a, b`,
    );
    expect(r.stdout + r.stderr).not.toContain('b-secret-value-0000');
  });

  it('no credentials anywhere', async () => {
    const r = await cli(['ec2:securitygroup:list'], awsEnv({}));
    expect(r.code).toBe(1);
    expect(lines(r.stderr).filter((l) => l.startsWith('error:'))).toEqual([
      'error: no AWS credentials found (put AWSAccessKeyId and AWSSecretKey in ~/.awscred (or pass --awscred FILE), pass --profile NAME, or set AWS_PROFILE / AWS_ACCESS_KEY_ID)',
    ]);
    expect(hits).toEqual([]);
  });

  it('a profile that exists but holds no credentials', async () => {
    const r = await cli(['ec2:securitygroup:list', '--profile', 'empty'], awsEnv({ '.aws/config': '[profile empty]\nregion = us-east-1\n' }));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^error: profile 'empty' gives no AWS credentials \(give it aws_access_key_id and aws_secret_access_key, SSO, a role or credential_process in ~\/\.aws\/config or ~\/\.aws\/credentials\)$/m,
    );
  });

  it('with --debug, the SDK’s own words appear as debug lines after the one error line', async () => {
    const r = await cli(['ec2:securitygroup:list', '--profile', 'dev', '--debug'], awsEnv({ '.aws/config': SSO_SESSION_CONFIG }));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^debug: AWS SDK: .*aws sso login/m);
    expect(lines(r.stderr).filter((l) => l.startsWith('error:'))).toHaveLength(1);
  });
});

describe('region errors', () => {
  it('a malformed --region is named before any request', async () => {
    const env = awsEnv({}, { AWS_ACCESS_KEY_ID: 'AKIDENVKEY', AWS_SECRET_ACCESS_KEY: 'env-secret-value-456' });
    const r = await cli(['ec2:securitygroup:list', '--region', 'US-EAST-1'], env);
    expect(r.code).toBe(2);
    expect(lines(r.stderr).filter((l) => l.startsWith('error:'))).toEqual(["error: 'US-EAST-1' (--region) is not an AWS region name; did you mean us-east-1?"]);
    expect(hits).toEqual([]);
  });

  it('AWS_REGION and AWSRegion are named as the source', async () => {
    const env = awsEnv({}, { AWS_ACCESS_KEY_ID: 'AKIDENVKEY', AWS_SECRET_ACCESS_KEY: 'env-secret-value-456', AWS_REGION: 'eu west' });
    const r = await cli(['ec2:securitygroup:list'], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: 'eu west' \(AWS_REGION\) is not an AWS region name; a region looks like us-east-1 or eu-west-2$/m);
    const file = writeAwsCred(env, 'AWSRegion=useast1\n');
    const fromFile = await cli(['ec2:securitygroup:list'], env);
    expect(fromFile.code).toBe(2);
    expect(fromFile.stderr).toContain(`error: 'useast1' (AWSRegion in ${file}) is not an AWS region name`);
    expect(hits).toEqual([]);
  });

  it('a region in the profile that the SDK refuses is named with the profile', async () => {
    const env = awsEnv(
      {
        '.aws/credentials': '[work]\naws_access_key_id = AKIDPROFILEKEY\naws_secret_access_key = profile-secret-value-123\n',
        '.aws/config': '[profile work]\nregion = us east 1\n',
      },
      { AWS_REGION: undefined },
    );
    const r = await cli(['ec2:securitygroup:list', '--profile', 'work'], env);
    expect(r.code).toBe(2);
    expect(lines(r.stderr).filter((l) => l.startsWith('error:'))).toEqual([
      "error: 'us east 1' (region in profile 'work' (~/.aws/config)) is not an AWS region name; a region looks like us-east-1 or eu-west-2",
    ]);
    expect(hits).toEqual([]);
  });

  it('a well-formed region that does not exist is named when its endpoint does not resolve (DNS answered locally)', async () => {
    // The name lookup is answered here, as a resolver would for a region that does not exist: nothing is asked of a real DNS server.
    const lookup = dns.lookup;
    const asked: string[] = [];
    (dns as { lookup: unknown }).lookup = (host: string, ...rest: unknown[]) => {
      asked.push(host);
      const callback = rest[rest.length - 1] as (err: NodeJS.ErrnoException) => void;
      const err = Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND', errno: -3008, syscall: 'getaddrinfo', hostname: host });
      process.nextTick(() => callback(err));
    };
    try {
      const env = awsEnv({}, { AWS_ACCESS_KEY_ID: 'AKIDENVKEY', AWS_SECRET_ACCESS_KEY: 'env-secret-value-456' });
      const r = await cli(['ec2:securitygroup:list', '--region', 'us-est-1'], env, false);
      expect(r.code).toBe(2);
      expect(lines(r.stderr).filter((l) => l.startsWith('error:'))).toEqual([
        "error: cannot resolve ec2.us-est-1.amazonaws.com: is 'us-est-1' (--region) an AWS region? (check the region name, or the network)",
      ]);
      expect(new Set(asked)).toEqual(new Set(['ec2.us-est-1.amazonaws.com']));
      // Each try named that host, and the lookup above failed it before any packet was sent.
      expect(new Set(connects)).toEqual(new Set(['ec2.us-est-1.amazonaws.com']));
      connects.length = 0;
    } finally {
      (dns as { lookup: unknown }).lookup = lookup;
    }
  });

  it('no region anywhere, the profile exists', async () => {
    const env = awsEnv(
      { '.aws/credentials': '[work]\naws_access_key_id = AKIDPROFILEKEY\naws_secret_access_key = profile-secret-value-123\n' },
      { AWS_REGION: undefined },
    );
    const r = await cli(['ec2:securitygroup:list', '--profile', 'work'], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: no AWS region set \(pass --region, set AWSRegion in awscred, export AWS_REGION or region in profile 'work'\)$/m);
    expect(hits).toEqual([]);
  });
});
