/**
 * Who gets an /events stream: at most sse.maxClientsPerAddress per client address (through the proxies trustProxy
 * names), and SSE refusing below server.maxConnections, the cap on every connection, so that a scrape still gets in.
 * A second client address is 127.0.0.2, which Linux routes to loopback like 127.0.0.1.
 */
import { connect, type Socket } from 'node:net';
import type { RunningAgent } from '../../agent/agent';
import { startTestAgent, stopTestAgents } from '../helpers/agent';
import { createFakeSource } from '../helpers/fake-source';
import { capturingLogger } from '../helpers/logs';
import { sseMetrics, waitForMetrics } from '../helpers/sse-metrics';
import { closeAfterEach, isEvent } from '../helpers/sse-stream';
import { untilTrue } from '../helpers/until';

const { open, track } = closeAfterEach();
afterEach(stopTestAgents);

const SECOND_ADDRESS = '127.0.0.2';

/** The events of a stream the agent ends at once, as it ends a refused one; [`hello`, ...] for an admitted one. */
async function firstEvents(agent: RunningAgent, headers: Record<string, string> = {}, localAddress?: string): Promise<string[]> {
  const stream = await open(`${agent.url}/events`, headers, localAddress);
  await Promise.race([stream.ended, stream.waitFor(isEvent('hello'))]);
  return stream.events().map((e) => e.event);
}

/** A TCP connection that sends nothing: it holds one of server.maxConnections. */
function idleConnection(agent: RunningAgent): Promise<{ socket: Socket; closed: Promise<void>; received: () => number }> {
  return new Promise((resolve, reject) => {
    let received = 0;
    const socket = connect(agent.port, '127.0.0.1', () => resolve({ socket, closed, received: () => received }));
    const closed = new Promise<void>((done) => socket.once('close', () => done()));
    socket.on('data', (chunk: Buffer) => (received += chunk.length));
    socket.once('error', reject);
    track({ close: () => socket.destroy() });
  });
}

const connectionsOf = (agent: RunningAgent) =>
  new Promise<number>((resolve, reject) => agent.server.getConnections((err, count) => (err ? reject(err) : resolve(count))));

describe('sse.maxClientsPerAddress', () => {
  it('refuses an address at its cap, counted and logged, while another address and a scrape from the first still get in', async () => {
    const { logger, lines } = capturingLogger();
    const agent = await startTestAgent({ sse: { maxClientsPerAddress: 2, busyRetry: '200ms' } }, createFakeSource().source, logger);
    const held = [await open(`${agent.url}/events`), await open(`${agent.url}/events`)];
    await Promise.all(held.map((stream) => stream.waitFor(isEvent('hello'))));

    expect(await firstEvents(agent)).toEqual(['busy']);
    const res = await fetch(`${agent.url}/events`, { headers: { Accept: 'application/json' } });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('1');
    expect(await res.json()).toEqual({ error: 'at the limit of 2 SSE clients from one address: retry later' });
    expect((await firstEvents(agent, {}, SECOND_ADDRESS))[0]).toBe('hello');

    // This scrape comes from the address at its cap.
    expect(await sseMetrics(agent.url)).toMatchObject({ clients: 3, refusedPerAddress: 2, refused: 0 });
    const refusals = lines.filter((line) => line.msg === 'SSE stream refused: its address holds sse.maxClientsPerAddress');
    expect(refusals).toEqual([expect.objectContaining({ level: 40, reason: 'per_address', address: '127.0.0.1', maxClientsPerAddress: 2 })]);

    held[0].close();
    await waitForMetrics(agent.url, (m) => m.clients === 2);
    expect((await firstEvents(agent))[0]).toBe('hello');
  });

  it('keys on X-Forwarded-For behind a proxy trustProxy names, and on the proxy itself when what it reports is no address', async () => {
    const agent = await startTestAgent({ trustProxy: ['127.0.0.1'], sse: { maxClientsPerAddress: 1 } });
    expect((await firstEvents(agent, { 'X-Forwarded-For': '203.0.113.1' }))[0]).toBe('hello');
    expect((await firstEvents(agent, { 'X-Forwarded-For': '198.51.100.7, 203.0.113.2' }))[0]).toBe('hello');
    expect(await firstEvents(agent, { 'X-Forwarded-For': '203.0.113.1' })).toEqual(['busy']);
    expect((await firstEvents(agent, { 'X-Forwarded-For': 'unknown' }))[0]).toBe('hello');
    expect(await firstEvents(agent, { 'X-Forwarded-For': 'not-an-address' })).toEqual(['busy']);
    expect((await sseMetrics(agent.url)).refusedPerAddress).toBe(2);
  });

  it('ignores X-Forwarded-For from a proxy trustProxy does not name', async () => {
    const agent = await startTestAgent({ trustProxy: ['10.0.0.0/8'], sse: { maxClientsPerAddress: 1 } });
    expect((await firstEvents(agent, { 'X-Forwarded-For': '203.0.113.1' }))[0]).toBe('hello');
    expect(await firstEvents(agent, { 'X-Forwarded-For': '203.0.113.2' })).toEqual(['busy']);
  });
});

describe('server.maxConnections', () => {
  it('leaves room for /metrics and /healthz while SSE holds sse.maxClients at the tightest setting allowed', async () => {
    const agent = await startTestAgent({ sse: { maxClients: 2, maxClientsPerAddress: 1 }, server: { maxConnections: 2 + 64 } });
    expect((await firstEvents(agent))[0]).toBe('hello');
    expect((await firstEvents(agent, {}, SECOND_ADDRESS))[0]).toBe('hello');
    expect(await firstEvents(agent, {}, '127.0.0.3')).toEqual(['busy']);
    expect((await fetch(`${agent.url}/metrics`)).status).toBe(200);
    expect([200, 503]).toContain((await fetch(`${agent.url}/healthz`)).status);
    expect(await sseMetrics(agent.url)).toMatchObject({ clients: 2, refused: 1, refusedPerAddress: 0, dropped: 0 });
  });

  it('closes a connection beyond it unanswered, counted and logged, and serves again once connections go', async () => {
    const { logger, lines } = capturingLogger();
    const agent = await startTestAgent({ sse: { maxClients: 1 }, server: { maxConnections: 65 } }, createFakeSource().source, logger);
    const idle = [];
    for (let i = 0; i < 65; i += 1) idle.push(await idleConnection(agent));
    await untilTrue('65 connections open', async () => (await connectionsOf(agent)) === 65);

    const beyond = await idleConnection(agent);
    await beyond.closed;
    expect(beyond.received()).toBe(0);
    await untilTrue('the drop logged', async () => lines.some((line) => line.msg === 'connection dropped: server.maxConnections reached'));
    expect(lines.find((line) => line.msg === 'connection dropped: server.maxConnections reached')).toMatchObject({ level: 40, maxConnections: 65, times: 1 });

    for (const { socket } of idle) socket.destroy();
    await untilTrue('the connections gone', async () => (await connectionsOf(agent)) === 0);
    expect((await sseMetrics(agent.url)).dropped).toBe(1);
  });
});
