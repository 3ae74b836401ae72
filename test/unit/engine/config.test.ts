import { AllocateAddressCommand, EC2Client } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { baseOsSection, loadAwsCred } from '../../../src/config/awscred.js';
import { runCli, testEnv, writeAwsCred } from '../../support/cli.js';

const ec2 = mockClient(EC2Client);
beforeEach(() => {
  ec2.reset();
  ec2.on(AllocateAddressCommand).resolves({ PublicIp: '203.0.113.9', AllocationId: 'eipalloc-9' });
});

const CRED = `# comment
AWSAccessKeyId=AKIDFROMFILE
AWSSecretKey=file-secret-value-123456
AWSKeyPairName=openshift-root
AWSEC2Type=t3.small
RemoteUser=ec2-user
AWSRegion=eu-west-1

[fedora19]
BaseOSImage=ami-b22e5cdb
RemoteUser=fedora

[rhel6.4]
BaseOSImage=ami-a05415c9
`;

describe('awscred', () => {
  it('reads the keys, sections with dots in their names, and the loose-mode flag', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cred-'));
    const path = join(dir, 'awscred');
    writeFileSync(path, CRED, { mode: 0o644 });
    const cred = loadAwsCred(path);
    expect(cred).toMatchObject({
      accessKeyId: 'AKIDFROMFILE',
      secretAccessKey: 'file-secret-value-123456',
      keyPairName: 'openshift-root',
      ec2Type: 't3.small',
      remoteUser: 'ec2-user',
      region: 'eu-west-1',
      looseMode: '0644',
    });
    expect(cred.sections.fedora19).toEqual({ baseOSImage: 'ami-b22e5cdb', remoteUser: 'fedora' });
    expect(cred.sections['rhel6.4']).toEqual({ baseOSImage: 'ami-a05415c9', remoteUser: undefined });
  });

  it('accepts the original code spelling AWSSecretAccessKey', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cred-'));
    writeFileSync(join(dir, 'c'), 'AWSAccessKeyId=A\nAWSSecretAccessKey=old-spelling-secret\n');
    expect(loadAwsCred(join(dir, 'c')).secretAccessKey).toBe('old-spelling-secret');
  });

  it('normalises --baseos to a section name', () => {
    expect(baseOsSection('rhel-6.4')).toBe('rhel6.4');
    expect(baseOsSection('fedora19')).toBe('fedora19');
  });

  it('uses the file credentials and region, warns about a readable file, never prints the secret', async () => {
    const env = testEnv({ AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined, AWS_REGION: undefined });
    writeAwsCred(env, CRED, 0o644);
    const r = await runCli(['ec2:ip:create', '--verbose', '--debug'], env);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/warning: .*\.awscred is readable by others \(mode 0644\); run: chmod 600/);
    const client = ec2.call(0).thisValue as EC2Client;
    expect(await client.config.region()).toBe('eu-west-1');
    const creds = await client.config.credentials();
    expect(creds.accessKeyId).toBe('AKIDFROMFILE');
    expect(r.stdout + r.stderr).not.toContain('file-secret-value-123456');
  });

  it('--region beats the file; no warning for a 0600 file', async () => {
    const env = testEnv();
    writeAwsCred(env, CRED, 0o600);
    const r = await runCli(['ec2:ip:create', '--region', 'ap-south-1'], env);
    expect(r.code).toBe(0);
    expect(r.stderr).not.toContain('warning');
    expect(await (ec2.call(0).thisValue as EC2Client).config.region()).toBe('ap-south-1');
  });

  it('falls back to the SDK chain (environment) without a file', async () => {
    const env = testEnv({ AWS_ACCESS_KEY_ID: 'AKIDFROMENV', AWS_REGION: 'us-west-2' });
    const r = await runCli(['ec2:ip:create'], env);
    expect(r.code).toBe(0);
    const client = ec2.call(0).thisValue as EC2Client;
    expect(await client.config.region()).toBe('us-west-2');
  });

  it('reads ./.awscred when there is none in HOME, and --awscred FILE must exist', async () => {
    const env = testEnv();
    const cwd = mkdtempSync(join(tmpdir(), 'cwd-'));
    writeFileSync(join(cwd, '.awscred'), 'AWSRegion=sa-east-1\n', { mode: 0o600 });
    const r = await runCli(['ec2:ip:create'], env, cwd);
    expect(r.code).toBe(0);
    expect(await (ec2.call(0).thisValue as EC2Client).config.region()).toBe('sa-east-1');
    const missing = await runCli(['ec2:ip:create', '--awscred', '/nonexistent/cred'], env);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^error: --awscred \/nonexistent\/cred: no such file/m);
  });

  it('honours --endpoint-url', async () => {
    await runCli(['ec2:ip:create', '--endpoint-url', 'http://127.0.0.1:4566']);
    const endpoint = await (ec2.call(0).thisValue as EC2Client).config.endpoint!();
    expect(endpoint.hostname).toBe('127.0.0.1');
    expect(endpoint.port).toBe(4566);
  });
});
