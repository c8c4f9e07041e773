/** The express app through supertest: the routes every client meets first, on the real agent with a fake source. */
import request from 'supertest';
import { eventSchemas } from '../../agent/events';
import { createFakeSource } from '../helpers/fake-source';
import { startTestAgent, stopTestAgents } from '../helpers/agent';
import { rawHttp } from '../helpers/raw-http';
import { until } from '../helpers/until';

afterEach(stopTestAgents);

describe('the app', () => {
  it('/healthz is 503 naming the collector that has no sample yet, then 200', async () => {
    const fake = createFakeSource();
    fake.fail('load', 'not yet');
    const agent = await startTestAgent({}, fake.source);
    const healthz = async () => request(agent.server).get('/healthz');
    // cpu and disk take a baseline first; once they have sampled, only the failing load is missing.
    const starting = await until('only load missing', healthz, (res) => res.body.missing?.length === 1);
    expect(starting.status).toBe(503);
    expect(starting.headers['content-type']).toMatch(/json/);
    expect(starting.body).toEqual({ status: 'starting', missing: ['load'], failing: [] });
    fake.fail('load', undefined);
    const ready = await until('healthy', healthz, (res) => res.status === 200);
    expect(ready.body).toEqual({ status: 'ok', missing: [], failing: [] });
  });

  it('/api/schema has one definition per event type, generated from the contract', async () => {
    const agent = await startTestAgent();
    const { body } = await request(agent.server).get('/api/schema').expect(200).expect('Content-Type', /json/);
    expect(Object.keys(body.$defs).sort()).toEqual(Object.keys(eventSchemas).sort());
    expect(body.$defs.cpu.required).toEqual(expect.arrayContaining(['ts', 'usage', 'modes', 'cores']));
  });

  it('/metrics answers HEAD with headers and no body, and names the format it chose', async () => {
    const agent = await startTestAgent();
    // On a raw socket: node's http client drops whatever follows the head of an answer to HEAD, so it could not tell.
    const ask = (method: string) => rawHttp(agent.port, `${method} /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
    const head = await ask('HEAD');
    expect(head.status).toBe(200);
    expect(head.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(head.body).toBe('');
    expect((await ask('GET')).body).toMatch(/^# HELP /m); // the control: this reader sees a body where there is one
    const openMetrics = await request(agent.server).get('/metrics').set('Accept', 'application/openmetrics-text;version=1.0.0').expect(200);
    expect(openMetrics.headers['content-type']).toMatch(/^application\/openmetrics-text; version=1\.0\.0/);
    expect(openMetrics.text.endsWith('# EOF\n')).toBe(true);
  });

  it('unknown paths are a JSON 404, writes a 405 naming what is allowed', async () => {
    const agent = await startTestAgent();
    const missing = await request(agent.server).get('/nope').expect(404).expect('Content-Type', /json/);
    expect(missing.body).toEqual({ error: 'not found', path: '/nope' });
    const post = await request(agent.server).post('/metrics').send('x').expect(405);
    expect(post.headers.allow).toBe('GET, HEAD, OPTIONS');
  });
});
