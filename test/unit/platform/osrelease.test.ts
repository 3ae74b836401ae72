import { describe, expect, it } from 'vitest';
import {
  distributionLabel,
  parseDistribution,
  parseOsRelease,
  parseOsReleaseFields,
  parseRedhatRelease,
  versionAtLeast,
} from '../../../src/platform/osrelease.js';
import { lines, OS_RELEASE, REDHAT_RELEASE } from './fixtures.js';

describe('parseOsRelease', () => {
  it.each([
    ['fedora19', { id: 'fedora', version: '19', like: [], major: 19 }, 'fedora 19'],
    ['fedora41', { id: 'fedora', version: '41', like: [], major: 41 }, 'fedora 41'],
    ['rhel7', { id: 'rhel', version: '7.9', like: ['fedora'], major: 7 }, 'rhel 7.9'],
    ['centos7', { id: 'centos', version: '7', like: ['rhel', 'fedora'], major: 7 }, 'centos 7'],
    ['amzn2', { id: 'amzn', version: '2', like: ['centos', 'rhel', 'fedora'], major: 2 }, 'amzn 2'],
    ['amzn2023', { id: 'amzn', version: '2023', like: ['fedora'], major: 2023 }, 'amzn 2023'],
    ['ubuntu2204', { id: 'ubuntu', version: '22.04', like: ['debian'], major: 22 }, 'ubuntu 22.04'],
    ['debian12', { id: 'debian', version: '12', like: [], major: 12 }, 'debian 12'],
    ['debianSid', { id: 'debian', version: '', like: [], major: 0 }, 'debian'],
  ] as const)('%s', (key, expected, label) => {
    const d = parseOsRelease(lines(OS_RELEASE[key]));
    expect(d).toEqual(expected);
    expect(distributionLabel(d!)).toBe(label);
  });

  it('unquotes double- and single-quoted values with escapes and ignores comments and junk', () => {
    expect(parseOsReleaseFields(['# comment', 'A="x \\"y\\" \\$z"', "B='it is'", 'C=bare', 'not a field', '', 'D=""'])).toEqual({
      A: 'x "y" $z',
      B: 'it is',
      C: 'bare',
      D: '',
    });
  });

  it('is undefined without an ID line', () => {
    expect(parseOsRelease(['NAME=Thing', 'VERSION_ID=1'])).toBeUndefined();
  });
});

describe('parseRedhatRelease', () => {
  it.each([
    ['rhel64', 'rhel', '6.4', 6],
    ['centos64', 'centos', '6.4', 6],
    ['fedora19', 'fedora', '19', 19],
    ['centos7', 'centos', '7.9.2009', 7],
  ] as const)('%s', (key, id, version, major) => {
    const d = parseRedhatRelease([REDHAT_RELEASE[key]]);
    expect(d).toMatchObject({ id, version, major });
  });

  it('gives the EL clones their family through like', () => {
    expect(parseRedhatRelease([REDHAT_RELEASE.centos64])!.like).toEqual(['rhel', 'fedora']);
  });

  it('rejects a sentence it does not know', () => {
    expect(parseRedhatRelease(['Slackware 14.2'])).toBeUndefined();
    expect(parseRedhatRelease(['', '  '])).toBeUndefined();
    expect(parseRedhatRelease(['Fedora without a release number'])).toBeUndefined();
  });
});

describe('parseDistribution', () => {
  it('prefers os-release and falls back to the redhat-release sentence', () => {
    expect(distributionLabel(parseDistribution(lines(OS_RELEASE.fedora19))!)).toBe('fedora 19');
    expect(distributionLabel(parseDistribution([REDHAT_RELEASE.rhel64])!)).toBe('rhel 6.4');
    expect(parseDistribution(['garbage'])).toBeUndefined();
  });
});

describe('versionAtLeast', () => {
  it('compares dotted versions numerically', () => {
    expect(versionAtLeast('22.04', '15.04')).toBe(true);
    expect(versionAtLeast('14.04', '15.04')).toBe(false);
    expect(versionAtLeast('15.04', '15.04')).toBe(true);
    expect(versionAtLeast('15.10', '15.4')).toBe(true);
    expect(versionAtLeast('7', '7.0')).toBe(true);
    expect(versionAtLeast('6.10', '7')).toBe(false);
  });
});
