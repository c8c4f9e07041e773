/**
 * The origins of the viewer's `?agents=` that reach its CSP's connect-src: only what CSP's own grammar reads as one
 * origin (CSP 3, host-source: scheme "://" host-char = ALPHA / DIGIT / "-", dot-separated, and a port), never a
 * character that ends the directive (";"), the policy (","), or widens it ("*", a quoted keyword).
 */
import { agentOrigins } from '../../agent/viewer';

describe("?agents= in the viewer's CSP", () => {
  it.each<[string, string]>([
    ['http://10.0.0.7:9780/', 'http://10.0.0.7:9780'],
    ['https://h2.example/feed', 'https://h2.example'],
    ['HTTP://Web-1.Example:9780', 'http://web-1.example:9780'],
    ['http://bücher.example', 'http://xn--bcher-kva.example'],
    ['http://[::1]:9780/', 'http://[::1]:9780'],
  ])('%s allows %s', (agent, origin) => expect(agentOrigins(agent)).toEqual([origin]));

  it.each([
    'http://x;require-trusted-types-for',
    'http://x;sandbox',
    'http://x%3Bsandbox',
    'http://x%2Cscript-src',
    "http://x'unsafe-inline'",
    'http://*.example',
    'http://a_b',
    'http://x$y',
    'javascript:alert(1)',
    'file:///etc/passwd',
    'not a url',
  ])('%s is left out', (agent) => expect(agentOrigins(agent)).toEqual([]));

  it('keeps the good origins of a list that also holds bad ones, comma-separated or repeated', () => {
    expect(agentOrigins(['http://a:1,http://x;sandbox', 'https://b'])).toEqual(['http://a:1', 'https://b']);
  });
});
