import { ConfigError, parseConfig } from '../../agent/config';

describe('sse and cors settings', () => {
  it('default busyRetry to 30 s', () => {
    expect(parseConfig({}, 'c.json').sse.busyRetry).toBe(30_000);
    expect(parseConfig({ sse: { busyRetry: '5s' } }, 'c.json').sse.busyRetry).toBe(5000);
  });

  it('refuse credentials with the origin "*", which browsers refuse too', () => {
    expect(() => parseConfig({ cors: { origins: ['*'], credentials: true } }, 'c.json')).toThrow(ConfigError);
    expect(() => parseConfig({ cors: { origins: ['*'], credentials: true } }, 'c.json')).toThrow(
      'c.json: cors.credentials: browsers refuse credentials with the origin "*": list the origins instead',
    );
    expect(parseConfig({ cors: { origins: ['https://a.example'], credentials: true } }, 'c.json').cors.credentials).toBe(true);
  });
});
