import { describe, expect, it } from 'vitest';
import { fillTemplate, renderTemplate, templatePlaceholders } from '../../../src/engine/template.js';

describe('renderTemplate', () => {
  it('fills every placeholder of a file in templates/', () => {
    const text = renderTemplate('rsyslog-puppet-master.conf', { logfile: '/var/log/puppet-master.log' });
    expect(text).toContain(':programname, isequal, "puppet-master" /var/log/puppet-master.log\n');
    expect(text).toContain(':programname, isequal, "puppetserver" /var/log/puppet-master.log\n');
    expect(text).not.toContain('{{');
  });

  it('throws naming the placeholder that has no value', () => {
    expect(() => renderTemplate('rsyslog-puppet-agent.conf', {})).toThrow('templates/rsyslog-puppet-agent.conf: no value for {{logfile}}');
  });

  it('refuses names that leave templates/', () => {
    expect(() => renderTemplate('../package.json')).toThrow(/bad template name/);
  });

  it('leaves shell and yum $variables alone and accepts spaces inside the braces', () => {
    expect(fillTemplate('a={{ x }} b=$basearch c={{y}}{{x}}', { x: 1, y: 'two' })).toBe('a=1 b=$basearch c=two1');
  });

  it('lists placeholders once each, in order', () => {
    expect(templatePlaceholders('{{b}} {{a}} {{ b }}')).toEqual(['b', 'a']);
  });

  it('reports every missing placeholder at once', () => {
    expect(() => fillTemplate('{{a}} {{b}} {{c}}', { b: '' })).toThrow('template: no value for {{a}}, {{c}}');
  });
});
