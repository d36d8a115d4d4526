import { describe, expect, it } from 'vitest';
import { parseCommand, safePage, settingsFromQuery } from '../web/src/embed/protocol.js';

describe('the host-page API accepts only well-formed commands', () => {
  it('navigates only to plain dashboard paths', () => {
    expect(safePage('/usage')).toBe('/usage');
    expect(safePage('/credit-history/grt_1')).toBe('/credit-history/grt_1');
    expect(safePage('/statements?period=2026-03')).toBe('/statements?period=2026-03');
    for (const bad of ['//evil.example.com', 'https://evil.example.com', 'javascript:alert(1)', 'usage', '/a b', 42, null, `/${'a'.repeat(300)}`]) {
      expect(safePage(bad), String(bad)).toBeNull();
    }
  });

  it('parses theme, navigation and navigate messages field by field, and ignores anything else', () => {
    expect(parseCommand({ type: 'tally:theme', colorScheme: 'dark', primaryColor: '#0CA678' })).toEqual({ type: 'tally:theme', colorScheme: 'dark', primaryColor: '#0ca678' });
    expect(parseCommand({ type: 'tally:theme', colorScheme: 'purple' })).toBeNull();
    expect(parseCommand({ type: 'tally:theme', primaryColor: 'red; background:url(x)' })).toBeNull();
    expect(parseCommand({ type: 'tally:navigation', hidden: true })).toEqual({ type: 'tally:navigation', hidden: true });
    expect(parseCommand({ type: 'tally:navigation', hidden: 'yes' })).toBeNull();
    expect(parseCommand({ type: 'tally:navigate', page: '/plan-usage' })).toEqual({ type: 'tally:navigate', page: '/plan-usage' });
    expect(parseCommand({ type: 'tally:navigate', page: '//x.example' })).toBeNull();
    expect(parseCommand('tally:theme')).toBeNull();
    expect(parseCommand({ type: 'tally:height', height: 10 })).toBeNull();
  });

  it('reads the first look from the link query', () => {
    expect(settingsFromQuery('?theme=dark&primary=%23E64980&nav=hidden')).toEqual({ colorScheme: 'dark', primaryColor: '#e64980', navHidden: true });
    expect(settingsFromQuery('?theme=blue&primary=red')).toEqual({ colorScheme: 'light', primaryColor: null, navHidden: false });
  });
});
