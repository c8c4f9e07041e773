import { writeOpenMetrics, writeText } from '../../agent/metrics/exposition';
import { family, single, type Family } from '../../agent/metrics/family';

const families: Family[] = [
  single('zeta_bytes', 'Last by name.', 'gauge', 2),
  family('demo_requests_total', 'Requests "served"\nso far \\ ever.', 'counter', [
    [{ path: '/a"b' }, 3],
    [{ path: 'new\nline\\' }, 4],
  ]),
  family('empty', 'A family without series is left out.', 'gauge', []),
  family('odd', 'Non-finite values.', 'gauge', [
    [{ v: 'nan' }, NaN],
    [{ v: 'inf' }, Infinity],
    [{ v: '-inf' }, -Infinity],
  ]),
  {
    name: 'latency_seconds',
    help: 'A histogram, as prom-client gives one.',
    type: 'histogram',
    series: [
      { name: 'latency_seconds_bucket', labels: { le: '0.5' }, value: 1 },
      { name: 'latency_seconds_bucket', labels: { le: '+Inf' }, value: 2 },
      { name: 'latency_seconds_sum', labels: {}, value: 0.75 },
      { name: 'latency_seconds_count', labels: {}, value: 2 },
    ],
  },
];

describe('text format 0.0.4', () => {
  it('sorted by name, escaped, non-finite values spelled as Prometheus reads them, empty families left out', () => {
    expect(writeText(families)).toBe(
      [
        '# HELP demo_requests_total Requests "served"\\nso far \\\\ ever.',
        '# TYPE demo_requests_total counter',
        'demo_requests_total{path="/a\\"b"} 3',
        'demo_requests_total{path="new\\nline\\\\"} 4',
        '# HELP latency_seconds A histogram, as prom-client gives one.',
        '# TYPE latency_seconds histogram',
        'latency_seconds_bucket{le="0.5"} 1',
        'latency_seconds_bucket{le="+Inf"} 2',
        'latency_seconds_sum 0.75',
        'latency_seconds_count 2',
        '# HELP odd Non-finite values.',
        '# TYPE odd gauge',
        'odd{v="nan"} NaN',
        'odd{v="inf"} +Inf',
        'odd{v="-inf"} -Inf',
        '# HELP zeta_bytes Last by name.',
        '# TYPE zeta_bytes gauge',
        'zeta_bytes 2',
        '',
      ].join('\n'),
    );
  });

  it('two families of one name: the first is served, never both', () => {
    const text = writeText([single('dup', 'First.', 'gauge', 1), single('dup', 'Second.', 'gauge', 2)]);
    expect(text).toBe('# HELP dup First.\n# TYPE dup gauge\ndup 1\n');
  });
});

describe('OpenMetrics 1.0', () => {
  it('counter families named without _total and their samples with it; HELP quotes escaped; ends with # EOF', () => {
    const text = writeOpenMetrics(families);
    const counter = '# HELP demo_requests Requests \\"served\\"\\nso far \\\\ ever.\n# TYPE demo_requests counter\ndemo_requests_total{path="/a\\"b"} 3\n';
    expect(text.startsWith(counter)).toBe(true);
    expect(text).toContain('# TYPE latency_seconds histogram\nlatency_seconds_bucket{le="0.5"} 1\n');
    expect(text.endsWith('zeta_bytes 2\n# EOF\n')).toBe(true);
    expect(text).not.toContain('\n\n');
  });

  it('an untyped family is "unknown" in OpenMetrics', () => {
    const untyped: Family = { name: 'x', help: 'h', type: 'untyped', series: [{ labels: {}, value: 1 }] };
    expect(writeOpenMetrics([untyped])).toBe('# HELP x h\n# TYPE x unknown\nx 1\n# EOF\n');
  });
});

describe('written lines kept per family object', () => {
  it('a family of the same name built anew (the next sample) is written with its own values, in both formats', () => {
    for (const write of [writeText, writeOpenMetrics]) {
      expect(write([single('load1', 'h', 'gauge', 0.5)])).toContain('load1 0.5\n');
      expect(write([single('load1', 'h', 'gauge', 0.75)])).toContain('load1 0.75\n');
    }
  });

  it('the same family object is written alike by later scrapes, and text and OpenMetrics keep apart', () => {
    const counter = single('served_total', 'h', 'counter', 3);
    const text = writeText([counter]);
    expect(writeOpenMetrics([counter])).toBe('# HELP served h\n# TYPE served counter\nserved_total 3\n# EOF\n');
    expect(writeText([counter])).toBe(text);
    expect(text).toBe('# HELP served_total h\n# TYPE served_total counter\nserved_total 3\n');
  });
});

describe('family()', () => {
  it('leaves out counters that are negative or NaN, and values that are missing', () => {
    const f = family('c_total', 'h', 'counter', [
      [{ k: 'a' }, -1],
      [{ k: 'b' }, NaN],
      [{ k: 'c' }, undefined],
      [{ k: 'd' }, 5],
    ]);
    expect(f.series).toEqual([{ labels: { k: 'd' }, value: 5 }]);
  });
});

describe('series identity (the Prometheus data model: a series is its label set)', () => {
  it('label sets whose values run together alike are two series, both served', () => {
    const f = family('fs_bytes', 'h', 'gauge', [
      [{ device: 'ab', mountpoint: 'c' }, 1],
      [{ device: 'a', mountpoint: 'bc' }, 2],
    ]);
    expect(f.series.map((s) => s.value)).toEqual([1, 2]);
  });
});

describe('OpenMetrics counter names (the family is its samples\' name less the final _total)', () => {
  it('only the final _total goes: a counter with _total inside its name keeps that one', () => {
    const text = writeOpenMetrics([single('jobs_total_runs_total', 'h', 'counter', 1)]);
    expect(text).toBe('# HELP jobs_total_runs h\n# TYPE jobs_total_runs counter\njobs_total_runs_total 1\n# EOF\n');
  });

  it('families sorted in byte order, as node_exporter (Go sort.Strings): upper case before lower, _ between', () => {
    const names = ['node_memory_active_x', 'node_memory_Active_bytes', 'node_memory_Active', 'node_memory_Zswap_bytes'];
    const text = writeText(names.map((name) => single(name, 'h', 'gauge', 1)));
    expect(text.match(/^# TYPE \S+/gm)!.map((line) => line.slice(7))).toEqual([
      'node_memory_Active', 'node_memory_Active_bytes', 'node_memory_Zswap_bytes', 'node_memory_active_x',
    ]);
  });
});
