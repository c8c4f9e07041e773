/**
 * Prometheus file_sd targets files in their JSON form, as Prometheus documents them
 * (https://prometheus.io/docs/prometheus/latest/configuration/configuration/#file_sd_config, and the guide
 * https://prometheus.io/docs/guides/file-sd/), read as the viewer's list of agents. Prometheus builds a target's
 * scrape URL from `__scheme__` (default http), the "host:port" target and `__metrics_path__` (default /metrics).
 */
import { parseFileSd } from '../../agent/fleet/file-sd';

const parse = (value: unknown) => parseFileSd(JSON.stringify(value), 'fleet.json');

describe('parseFileSd', () => {
  it("reads the guide's example: one group, a job label, one target", () => {
    expect(parse([{ labels: { job: 'node' }, targets: ['localhost:9100'] }])).toEqual({ agents: ['http://localhost:9100'], skipped: [] });
  });

  it('takes the scheme and, behind a proxy, the path before "/metrics" from the labels Prometheus scrapes with', () => {
    const groups = [
      { targets: ['web-1.example:9780', '10.0.0.12:9780'] },
      { targets: ['web-2.example:8443'], labels: { __scheme__: 'https', __metrics_path__: '/hostfeed/metrics', env: 'prod' } },
      { targets: ['[::1]:9780'] },
    ];
    expect(parse(groups).agents).toEqual(['http://web-1.example:9780', 'http://10.0.0.12:9780', 'https://web-2.example:8443/hostfeed', 'http://[::1]:9780']);
  });

  it('lists an agent named twice once, in the order of the file', () => {
    expect(parse([{ targets: ['b:1', 'a:1'] }, { targets: ['b:1'] }]).agents).toEqual(['http://b:1', 'http://a:1']);
  });

  it.each(['x;sandbox:9780', "x'unsafe-inline':1", '*.example:1', 'a_b:1', 'h:1/path', 'user@h:1'])(
    'leaves out %s, which the CSP of the page could not carry as one origin, and says why',
    (target) => {
      const { agents, skipped } = parse([{ targets: [target, 'ok:1'] }]);
      expect(agents).toEqual(['http://ok:1']);
      expect(skipped).toEqual([expect.stringContaining(JSON.stringify(target))]);
    },
  );

  it.each<[string, string, string]>([
    ['not JSON', '- targets: [a:1]', 'fleet.json: not valid JSON: '],
    ['an object at the top', '{"targets":["a:1"]}', 'fleet.json: (top level): expected a list of target groups'],
    ['a group without targets', '[{"labels":{"env":"prod"}}]', 'fleet.json: [0].targets: expected a list of "host:port" strings'],
    ['a target that is not a string', '[{"targets":["a:1"]},{"targets":[9780]}]', 'fleet.json: [1].targets[0]: '],
    ['a label that is not a string', '[{"targets":["a:1"],"labels":{"env":1}}]', 'fleet.json: [0].labels.env: '],
  ])('refuses %s, naming the file and the place', (_name, text, message) => {
    expect(() => parseFileSd(text, 'fleet.json')).toThrow(message);
  });
});
