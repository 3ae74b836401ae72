// Where the AWS credentials and region of a run come from, and what to tell the user
// when the SDK's credential chain or region lookup fails. The SDK's own messages name
// neither the profile nor the files it searched, and "run aws sso login" never says for
// which profile; this module knows both, because it reads the same settings the SDK is
// handed. It loads the SDK's shared-file parser only when an error is being explained,
// so a run that works never reads ~/.aws twice.
import { existsSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import type { Settings } from '../config/settings.js';
import { ConfigError, OriginError } from '../engine/errors.js';

/** The SDK could not get credentials for the run (no source, SSO login needed, a profile without any). */
export class AwsCredentialsError extends OriginError {
  override get errorCode(): string {
    return 'credentials';
  }
}

export interface NamedProfile {
  name: string;
  /** How the user named it, as they would write it: `--profile` or `AWS_PROFILE`. */
  from: '--profile' | 'AWS_PROFILE';
}

/** The profile the SDK will use, if the user named one (the SDK reads `default` otherwise). */
export function namedProfile(settings: Settings): NamedProfile | undefined {
  if (settings.flags.profile) return { name: settings.flags.profile, from: '--profile' };
  const env = settings.env.AWS_PROFILE;
  return env ? { name: env, from: 'AWS_PROFILE' } : undefined;
}

export interface SharedFile {
  path: string;
  /** As the user knows it: `~/.aws/config`, or `AWS_CONFIG_FILE=/path` when the variable chose it. */
  shown: string;
}

/**
 * The two files the SDK reads profiles from, chosen the way it chooses them:
 * AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE when set (a leading ~/ is the home
 * directory), else ~/.aws/config and ~/.aws/credentials.
 */
export function sharedFiles(settings: Settings): { config: SharedFile; credentials: SharedFile } {
  const pick = (variable: string, base: string): SharedFile => {
    const set = settings.env[variable];
    if (set) {
      const path = set.startsWith('~/') ? join(settings.home, set.slice(2)) : isAbsolute(set) ? set : resolve(settings.cwd, set);
      return { path, shown: `${variable}=${set}` };
    }
    return { path: join(settings.home, '.aws', base), shown: `~/.aws/${base}` };
  };
  return { config: pick('AWS_CONFIG_FILE', 'config'), credentials: pick('AWS_SHARED_CREDENTIALS_FILE', 'credentials') };
}

/** True when the awscred file gives both keys: then the client is handed them and no chain runs. */
export function usesAwsCredKeys(settings: Settings): boolean {
  const cred = settings.awscred();
  return Boolean(cred?.accessKeyId && cred.secretAccessKey);
}

/**
 * One line when two credential sources compete, naming the one used; undefined when
 * there is no conflict. The SDK prefers a named profile over AWS_ACCESS_KEY_ID /
 * AWS_SECRET_ACCESS_KEY (and warns about it in a block of its own); keys in the awscred
 * file are handed to the client directly and beat both. Keys in the file and in the
 * environment are not reported: the file is this tool's own configuration and is
 * documented to come first.
 */
export function credentialConflict(settings: Settings): string | undefined {
  const profile = namedProfile(settings);
  if (!profile) return undefined;
  const named = `profile '${profile.name}' (${profile.from})`;
  if (usesAwsCredKeys(settings)) return `AWSAccessKeyId from ${settings.awscred()!.path} is used; ${named} is not`;
  if (settings.env.AWS_ACCESS_KEY_ID && settings.env.AWS_SECRET_ACCESS_KEY) {
    return `${named} is used; AWS_ACCESS_KEY_ID from the environment is not`;
  }
  return undefined;
}

/** Where the region the tool hands the SDK came from, in the words the user set it with. */
export function regionSource(settings: Settings): string | undefined {
  if (settings.flags.region) return '--region';
  const cred = settings.awscred();
  if (cred?.region) return `AWSRegion in ${cred.path}`;
  if (settings.env.AWS_REGION) return 'AWS_REGION';
  if (settings.env.AWS_DEFAULT_REGION) return 'AWS_DEFAULT_REGION';
  return undefined;
}

/**
 * An AWS region name: two letters, words, a number (us-east-1, us-gov-west-1,
 * ap-southeast-7). A name the SDK would put in a host name unchecked (`US-EAST-1`,
 * `us east 1`, `useast1`) is refused before any request, naming where it came from.
 */
const REGION = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;

export function checkRegion(region: string, source: string): void {
  if (REGION.test(region)) return;
  const lower = region
    .trim()
    .toLowerCase()
    .replace(/[\s_]+/g, '-');
  const guess = REGION.test(lower) ? `; did you mean ${lower}?` : '; a region looks like us-east-1 or eu-west-2';
  throw new ConfigError(`'${region}' (${source}) is not an AWS region name${guess}`);
}

interface SdkErrorFields {
  name?: string;
  message?: string;
  code?: string;
  hostname?: string;
}

type Profiles = Record<string, Record<string, string | undefined>>;

/** The profiles in the two files, read by the SDK's own parser so they match what the chain saw. */
async function loadProfiles(settings: Settings): Promise<{ config: Profiles; credentials: Profiles }> {
  const files = sharedFiles(settings);
  const { loadSharedConfigFiles } = await import('@smithy/core/config');
  const loaded = await loadSharedConfigFiles({ filepath: files.credentials.path, configFilepath: files.config.path, ignoreCache: true });
  // sso-session and services sections live in the config file too, but are not profiles.
  const config: Profiles = Object.fromEntries(Object.entries(loaded.configFile).filter(([k]) => !/^(sso-session|services)\./.test(k)));
  return { config, credentials: loaded.credentialsFile };
}

function profileNotFound(settings: Settings, profile: NamedProfile, profiles: { config: Profiles; credentials: Profiles }): ConfigError {
  const files = sharedFiles(settings);
  const shown = [files.config, files.credentials].map((f) => (existsSync(f.path) ? f.shown : `${f.shown} (no such file)`));
  const known = [...new Set([...Object.keys(profiles.config), ...Object.keys(profiles.credentials)])].sort();
  const there = known.length ? `; profiles there: ${known.join(', ')}` : '';
  return new ConfigError(`profile '${profile.name}' (${profile.from}) not found in ${shown.join(' or ')}${there}`);
}

const isSsoProfile = (p: Record<string, string | undefined> | undefined) =>
  Boolean(p && (p.sso_session || p.sso_start_url || p.sso_account_id || p.sso_role_name || p.sso_region));

/**
 * The profile that holds the SSO settings: the one named, or the first one its
 * source_profile chain leads to (a role assumed with SSO credentials).
 */
function ssoProfileName(start: string, profiles: { config: Profiles; credentials: Profiles }): string {
  const all = { ...profiles.config, ...profiles.credentials };
  const seen = new Set<string>();
  for (let name: string | undefined = start; name && !seen.has(name); name = all[name]?.source_profile) {
    seen.add(name);
    if (isSsoProfile(profiles.config[name])) return name;
  }
  return start;
}

/**
 * The error a person can act on for an SDK error about credentials or the region, or
 * undefined when the error is of another kind (or nothing better can be said).
 */
export async function explainSetupError(err: unknown, settings: Settings): Promise<OriginError | undefined> {
  const e = (err ?? {}) as SdkErrorFields;
  const text = typeof e.message === 'string' ? e.message : '';
  const credentialError = e.name === 'CredentialsProviderError' || e.name === 'TokenProviderError';
  const regionMissing = /^Region is missing/i.test(text);
  const regionRefused = /^Region not accepted: region="(.*)" is not a valid hostname component/s.exec(text);
  if (!credentialError && !regionMissing && !regionRefused) return unreachableRegion(e, settings);

  const profile = namedProfile(settings);
  let profiles: { config: Profiles; credentials: Profiles };
  try {
    profiles = await loadProfiles(settings);
  } catch {
    // The SDK read the same files a moment ago; if they are gone now, say what the SDK said.
    profiles = { config: {}, credentials: {} };
  }
  const exists = (name: string) => name in profiles.config || name in profiles.credentials;
  // A profile that does not exist shows up as a missing region or as no credentials at all.
  if (profile && !exists(profile.name) && !regionRefused) return profileNotFound(settings, profile, profiles);

  const effective = profile?.name ?? 'default';
  const inProfile = profile ? ` or region in profile '${profile.name}'` : '';
  if (regionMissing) {
    return new ConfigError('no AWS region set', { hint: `pass --region, set AWSRegion in awscred, export AWS_REGION${inProfile}` });
  }
  if (regionRefused) {
    const where = exists(effective) ? `region in profile '${effective}' (${sharedFiles(settings).config.shown})` : 'the SDK configuration';
    return new ConfigError(`'${regionRefused[1]}' (${where}) is not an AWS region name; a region looks like us-east-1 or eu-west-2`);
  }
  if (/aws sso login/i.test(text)) {
    const sso = ssoProfileName(effective, profiles);
    const what = /expired|cannot refresh/i.test(text)
      ? `the SSO login of profile '${sso}' has expired`
      : /not found|invalid/i.test(text)
        ? `profile '${sso}' has no SSO login (no cached SSO token)`
        : `the SSO login of profile '${sso}' cannot be used`;
    return new AwsCredentialsError(`${what}; run: aws sso login --profile ${sso}`);
  }
  if (/Could not load credentials from any providers/i.test(text)) {
    if (profile || exists('default')) {
      const files = sharedFiles(settings);
      return new AwsCredentialsError(`profile '${effective}' gives no AWS credentials`, {
        hint: `give it aws_access_key_id and aws_secret_access_key, SSO, a role or credential_process in ${files.config.shown} or ${files.credentials.shown}`,
      });
    }
    return new AwsCredentialsError('no AWS credentials found', {
      hint: 'put AWSAccessKeyId and AWSSecretKey in ~/.awscred (or pass --awscred FILE), pass --profile NAME, or set AWS_PROFILE / AWS_ACCESS_KEY_ID',
    });
  }
  // A specific complaint about the profile (invalid SSO settings, MFA, a source_profile cycle): the SDK's words, with the profile.
  return new AwsCredentialsError(`profile '${effective}': ${text.split('\n')[0]!.trim()}`);
}

/**
 * A region that is well formed but does not exist (`us-est-1`) shows up as a host name
 * that does not resolve; when the host is AWS's and carries the region, say so.
 */
function unreachableRegion(e: SdkErrorFields, settings: Settings): OriginError | undefined {
  if (e.code !== 'ENOTFOUND' || settings.flags.endpointUrl) return undefined;
  const region = settings.region();
  const host = e.hostname ?? /ENOTFOUND (\S+)/.exec(e.message ?? '')?.[1];
  if (!region || !host || !host.includes(`.${region}.`) || !/\.amazonaws\.com(\.cn)?$/.test(host)) return undefined;
  return new ConfigError(`cannot resolve ${host}: is '${region}' (${regionSource(settings) ?? 'the SDK configuration'}) an AWS region?`, {
    hint: 'check the region name, or the network',
  });
}
