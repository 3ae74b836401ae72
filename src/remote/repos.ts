// Package repository definitions on a host: yum/dnf .repo files, or apt .list files.
import type { Platform } from '../platform/types.js';
import type { RemoteHost } from '../ssh/types.js';
import { augeasSet } from './augeas.js';
import { removeIfPresent } from './files.js';
import { findRepoSection } from './packages.js';
import { renderTemplate } from '../engine/template.js';

/** The file that defines repository NAME on this platform. */
export function repoFilePath(platform: Platform, name: string): string {
  return platform.packages.name === 'apt-get' ? `/etc/apt/sources.list.d/${name}.list` : `/etc/yum.repos.d/${name}.repo`;
}

export interface YumRepoSpec {
  id: string;
  baseurl: string;
  description?: string;
  gpgkey?: string;
  enabled?: boolean;
}

/** A one-repository .repo file from templates/yum-repo.repo. */
export function yumRepoText(spec: YumRepoSpec): string {
  return renderTemplate('yum-repo.repo', {
    id: spec.id,
    name: spec.description ?? spec.id,
    baseurl: spec.baseurl,
    enabled: spec.enabled === false ? '0' : '1',
    gpgcheck: spec.gpgkey ? '1' : '0',
    gpgkey: spec.gpgkey ?? '',
  });
}

/** Writes the repository file as root (mode 0644), replacing an earlier one of that name. */
export async function writeRepoFile(host: RemoteHost, platform: Platform, name: string, content: string): Promise<string> {
  const path = repoFilePath(platform, name);
  const text = content.endsWith('\n') ? content : `${content}\n`;
  await host.upload(text, path, { sudo: true, mode: '0644', owner: 'root', group: 'root' });
  return path;
}

/** Removes the repository file; a file that is already gone is success (deleted: false). */
export async function deleteRepoFile(host: RemoteHost, platform: Platform, name: string): Promise<{ path: string; deleted: boolean }> {
  const path = repoFilePath(platform, name);
  return { path, deleted: await removeIfPresent(host, path, { sudo: true }) };
}

/**
 * Turns a yum/dnf repository on or off by its id, editing `enabled=` in whichever file
 * defines it. augtool works the same on yum and dnf hosts and needs neither
 * yum-config-manager nor a dnf plugin (whose syntax changed again in dnf5).
 */
export async function setRepoEnabled(host: RemoteHost, platform: Platform, id: string, enabled: boolean): Promise<string> {
  const section = await findRepoSection(host, platform, id);
  await augeasSet(host, `${section}/enabled`, enabled ? '1' : '0');
  return section;
}
