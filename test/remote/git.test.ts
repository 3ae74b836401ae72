import { describe, expect, it } from 'vitest';
import { cloneDestination, gitCommands } from '../../src/remote/git.js';
import { gitRef, gitUrl, tagPrefix } from '../../src/remote/validate.js';

describe('git helpers', () => {
  it('names a clone after the URL, NAME.git when bare, under --destdir', () => {
    expect(cloneDestination('https://github.com/markllama/origin-puppet.git', {})).toBe('origin-puppet');
    expect(cloneDestination('git@github.com:markllama/origin-puppet.git', { bare: true })).toBe('origin-puppet.git');
    expect(cloneDestination('/srv/git/site/', { destdir: '/etc/puppet' })).toBe('/etc/puppet/site');
    expect(cloneDestination('https://example.org/x.git', { destdir: 'src', destname: 'y' })).toBe('src/y');
  });

  it('names the repository with -C and ends options before URL and destination', () => {
    expect(gitCommands.clone('https://example.org/r.git', 'r', { bare: true, branch: 'v1' }).text).toBe(
      'git clone --quiet --bare --branch v1 -- https://example.org/r.git r',
    );
    expect(gitCommands.checkout('my dir', 'main', { remote: 'upstream', track: true }).text).toBe(
      "git -C 'my dir' checkout --quiet --track upstream/main",
    );
    expect(gitCommands.tags('site', 'openshift-origin').text).toBe("git -C site tag --list 'openshift-origin*'");
    expect(gitCommands.submoduleUpdate('site', { init: true, recursive: true }).text).toBe(
      'git -C site submodule --quiet update --init --recursive',
    );
  });

  it('refuses URLs that are options or run commands, and odd refs', () => {
    expect(gitUrl('--upload-pack=touch /tmp/x')).toBe('not a git URL');
    expect(gitUrl('ext::sh -c touch% /tmp/x')).toMatch(/spaces|ext::/);
    expect(gitUrl('ext::sh')).toMatch(/ext::/);
    expect(gitUrl('https://github.com/a/b.git')).toBeUndefined();
    expect(gitUrl('git@github.com:a/b.git')).toBeUndefined();
    expect(gitRef('-f')).toBeDefined();
    expect(gitRef('a..b')).toBeDefined();
    expect(gitRef('feature/x')).toBeUndefined();
    expect(tagPrefix('x*')).toBeDefined();
  });
});
