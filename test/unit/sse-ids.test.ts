import { formatEventId, parseEventId, resumeRequest } from '../../agent/sse/ids';
import { parseFeedQuery, QueryError } from '../../agent/sse/query';

describe('event ids', () => {
  it('are <boot>-<seq> and parse back', () => {
    expect(formatEventId({ boot: '7f3c2a', seq: 42 })).toBe('7f3c2a-42');
    expect(parseEventId('7f3c2a-42')).toEqual({ boot: '7f3c2a', seq: 42 });
    expect(parseEventId('7f3c2a-0')).toEqual({ boot: '7f3c2a', seq: 0 });
    expect(parseEventId('a-999999999999999')).toEqual({ boot: 'a', seq: 999999999999999 });
  });

  it.each(['', '7f3c2a', '7f3c2a-', '-1', '7f3c2a-01', '7F3C2A-1', '7f3c2a-1.5', '7f3c2a--1', '7f3c2a-1 ', ' 7f3c2a-1', 'xyz-1', '7f3c2a-1-2', '7f3c2a-1000000000000000', '7f3c2a-1\n', '0123456789abcdef0-1'])(
    'refuses %j',
    (text) => expect(parseEventId(text)).toBeUndefined(),
  );
});

describe('where a client resumes from', () => {
  const id = { boot: 'ab12', seq: 7 };
  it('is fresh without an id, from the header or the query otherwise, the header winning', () => {
    expect(resumeRequest(undefined, undefined)).toEqual({ kind: 'fresh' });
    expect(resumeRequest('', undefined)).toEqual({ kind: 'fresh' });
    expect(resumeRequest(undefined, id)).toEqual({ kind: 'from', id });
    expect(resumeRequest('ab12-9', id)).toEqual({ kind: 'from', id: { boot: 'ab12', seq: 9 } });
  });

  it('is unreadable (a reset, never a 400) for a header that is not an id', () => {
    expect(resumeRequest('garbage', undefined)).toEqual({ kind: 'unreadable' });
    expect(resumeRequest('garbage', id)).toEqual({ kind: 'unreadable' });
  });
});

describe('the feed query', () => {
  const enabled = ['cpu', 'memory', 'load'] as const;
  const parse = (search: string, keys: Parameters<typeof parseFeedQuery>[2] = ['topics', 'lastEventId']) => parseFeedQuery(search, enabled, keys);
  const error = (search: string, keys?: Parameters<typeof parseFeedQuery>[2]) => {
    try {
      parse(search, keys);
    } catch (err) {
      expect(err).toBeInstanceOf(QueryError);
      expect((err as QueryError).status).toBe(400);
      return (err as Error).message;
    }
    throw new Error(`no error for ${search}`);
  };

  it('defaults to every enabled topic and no id', () => {
    expect(parse('')).toEqual({ topics: ['cpu', 'memory', 'load'] });
    expect(parse('?')).toEqual({ topics: ['cpu', 'memory', 'load'] });
  });

  it('takes topics in order, once each, and a lastEventId', () => {
    expect(parse('topics=load,cpu,load&lastEventId=ab12-7')).toEqual({ topics: ['load', 'cpu'], lastEventId: { boot: 'ab12', seq: 7 } });
    expect(parse('?topics=memory')).toEqual({ topics: ['memory'] });
    expect(parse('topics=cpu%2Cload')).toEqual({ topics: ['cpu', 'load'] });
    expect(parse('lastEventId=')).toEqual({ topics: ['cpu', 'memory', 'load'] });
  });

  it('names what is wrong', () => {
    expect(error('topics=cpu,gpu')).toBe('topics: unknown topic "gpu"; expected a comma-separated list of cpu, memory, disk, load, network, pressure');
    expect(error('topics=disk')).toBe('topics: "disk" is not enabled on this agent; enabled: cpu, memory, load');
    expect(error('topics=')).toMatch(/^topics: unknown topic ""/);
    expect(error('topics=cpu,')).toMatch(/^topics: unknown topic ""/);
    expect(error('topics=cpu, load')).toMatch(/^topics: unknown topic " load"/);
    expect(error('topics=cpu&topics=load')).toBe('topics: given more than once');
    expect(error('lastEventId=42')).toBe('lastEventId: expected an event id such as "7f3c2a-42", got "42"');
    expect(error('topic=cpu')).toBe('unknown query parameter "topic"; this endpoint takes topics, lastEventId');
    expect(error('lastEventId=ab-1', ['topics'])).toBe('unknown query parameter "lastEventId"; this endpoint takes topics');
    expect(error('x', [])).toBe('unknown query parameter "x"; this endpoint takes none');
  });

  it('bounds a hostile value in its message', () => {
    const message = error(`topics=${'x'.repeat(10000)}`);
    expect(message.length).toBeLessThan(200);
    expect(message).toMatch(/^topics: unknown topic "x{59}\.\.\."; /);
  });

  it('quotes a value of up to 62 characters whole, and cuts a longer one', () => {
    expect(error(`topics=${'x'.repeat(62)}`)).toContain(` "${'x'.repeat(62)}";`);
    expect(error(`topics=${'x'.repeat(63)}`)).toContain(` "${'x'.repeat(59)}...";`);
  });
});
