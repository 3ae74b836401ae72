// The pure parts of working out where credentials and the region come from: which
// source wins, which files the SDK reads, and which region names pass.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkRegion, credentialConflict, namedProfile, regionSource, sharedFiles } from '../../../src/aws/credential-sources.js';
import { Settings, type GlobalFlags } from '../../../src/config/settings.js';
import { ConfigError } from '../../../src/engine/errors.js';
import { plainFlags } from '../../support/flags.js';

const FLAGS: GlobalFlags = plainFlags();

function settings(flags: Partial<GlobalFlags>, env: NodeJS.ProcessEnv, awscred?: string): Settings {
  const home = mkdtempSync(join(tmpdir(), 'credential-sources-'));
  if (awscred !== undefined) writeFileSync(join(home, '.awscred'), awscred, { mode: 0o600 });
  return new Settings({ ...FLAGS, ...flags }, { HOME: home, ...env }, home, home);
}

const KEYS = { AWS_ACCESS_KEY_ID: 'AKIDENV', AWS_SECRET_ACCESS_KEY: 'env-secret-value-1' };

describe('credentialConflict', () => {
  it('a named profile beats environment keys, as the SDK does', () => {
    expect(credentialConflict(settings({ profile: 'x' }, KEYS))).toBe("profile 'x' (--profile) is used; AWS_ACCESS_KEY_ID from the environment is not");
    expect(credentialConflict(settings({}, { ...KEYS, AWS_PROFILE: 'y' }))).toBe(
      "profile 'y' (AWS_PROFILE) is used; AWS_ACCESS_KEY_ID from the environment is not",
    );
  });

  it('--profile is the profile named when AWS_PROFILE is set too', () => {
    expect(namedProfile(settings({ profile: 'x' }, { AWS_PROFILE: 'y' }))).toEqual({ name: 'x', from: '--profile' });
  });

  it('keys in the awscred file beat a profile', () => {
    const s = settings({ profile: 'x' }, KEYS, 'AWSAccessKeyId=AKIDFILE\nAWSSecretKey=file-secret-value-1\n');
    expect(credentialConflict(s)).toBe(`AWSAccessKeyId from ${s.awscred()!.path} is used; profile 'x' (--profile) is not`);
  });

  it('no conflict: one source, only half a key pair, or file keys with environment keys', () => {
    expect(credentialConflict(settings({}, KEYS))).toBeUndefined();
    expect(credentialConflict(settings({ profile: 'x' }, {}))).toBeUndefined();
    expect(credentialConflict(settings({ profile: 'x' }, { AWS_ACCESS_KEY_ID: 'AKIDENV' }))).toBeUndefined();
    expect(credentialConflict(settings({}, KEYS, 'AWSAccessKeyId=AKIDFILE\nAWSSecretKey=file-secret-value-1\n'))).toBeUndefined();
    // A file with a region but no keys hands nothing to the client: the profile is used.
    expect(credentialConflict(settings({ profile: 'x' }, {}, 'AWSRegion=eu-west-1\n'))).toBeUndefined();
  });
});

describe('sharedFiles', () => {
  it('defaults to ~/.aws, and names the variable when one chooses the file', () => {
    const s = settings({}, {});
    expect(sharedFiles(s)).toEqual({
      config: { path: join(s.home, '.aws/config'), shown: '~/.aws/config' },
      credentials: { path: join(s.home, '.aws/credentials'), shown: '~/.aws/credentials' },
    });
    const t = settings({}, { AWS_CONFIG_FILE: '~/cfg', AWS_SHARED_CREDENTIALS_FILE: '/etc/aws/creds' });
    expect(sharedFiles(t)).toEqual({
      config: { path: join(t.home, 'cfg'), shown: 'AWS_CONFIG_FILE=~/cfg' },
      credentials: { path: '/etc/aws/creds', shown: 'AWS_SHARED_CREDENTIALS_FILE=/etc/aws/creds' },
    });
  });
});

describe('checkRegion', () => {
  it('accepts the names of AWS regions in every partition', () => {
    for (const r of [
      'us-east-1',
      'eu-west-2',
      'ap-southeast-7',
      'mx-central-1',
      'il-central-1',
      'us-gov-west-1',
      'cn-north-1',
      'us-iso-east-1',
      'us-isob-east-1',
      'eu-isoe-west-1',
    ]) {
      expect(() => checkRegion(r, '--region')).not.toThrow();
    }
  });

  it('refuses what is not a region name, naming it and where it came from', () => {
    expect(() => checkRegion('US-EAST-1', '--region')).toThrow(new ConfigError("'US-EAST-1' (--region) is not an AWS region name; did you mean us-east-1?"));
    expect(() => checkRegion('us_east_1', 'AWS_REGION')).toThrow('did you mean us-east-1?');
    for (const r of ['useast1', 'us-east', 'us-east-1a', 'us east 1 ', '', 'us-east-1.evil.example']) {
      expect(() => checkRegion(r, 'AWS_REGION')).toThrow(ConfigError);
    }
  });

  it('regionSource follows the order the region is looked up in', () => {
    expect(regionSource(settings({ region: 'us-east-1' }, { AWS_REGION: 'eu-west-1' }))).toBe('--region');
    expect(regionSource(settings({}, { AWS_REGION: 'eu-west-1', AWS_DEFAULT_REGION: 'eu-west-2' }))).toBe('AWS_REGION');
    expect(regionSource(settings({}, { AWS_DEFAULT_REGION: 'eu-west-2' }))).toBe('AWS_DEFAULT_REGION');
    const s = settings({}, { AWS_REGION: 'eu-west-1' }, 'AWSRegion=sa-east-1\n');
    expect(regionSource(s)).toBe(`AWSRegion in ${s.awscred()!.path}`);
    expect(regionSource(settings({}, {}))).toBeUndefined();
  });
});
