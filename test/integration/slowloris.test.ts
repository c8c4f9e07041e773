/**
 * Clients that hold a connection by sending their request slowly (slowloris): Node's own headersTimeout and
 * requestTimeout, set low through config.server, cut them with a 408 while everyone else is served. Each test waits
 * for the server to close the socket, as a condition; the client keeps sending all the while, so only the server's
 * timeout can end it.
 */
import { connect } from 'node:net';
import { startTestAgent, stopTestAgents } from '../helpers/agent';
import { watchTimers } from '../helpers/timers';
import { HANG_GUARD_MS, until } from '../helpers/until';

const { snapshot, fastTimersSince } = watchTimers();
afterEach(stopTestAgents);

/** Well under the defaults (10 s and 30 s), so that a cut comes within the hang guard only if these are in force. */
const SERVER = { server: { headersTimeout: '300ms', requestTimeout: '600ms' } };
/** How often the slow client sends its next byte: steady progress, far slower than any real client. */
const DRIP_MS = 20;

interface Cut {
  /** Everything the server wrote before it closed the connection. */
  answer: string;
  /** Bytes the client had dripped by then. */
  dripped: number;
}

/**
 * Sends `head` at once, then one byte every DRIP_MS (a header value, or a body, that never ends) until the server closes
 * the connection; rejects if it has not after HANG_GUARD_MS.
 */
function dripUntilCut(port: number, head: string): Promise<Cut> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    let dripped = 0;
    const drip = setInterval(() => {
      if (socket.writable) socket.write('a', () => (dripped += 1));
    }, DRIP_MS);
    const guard = setTimeout(() => {
      socket.destroy();
      reject(new Error(`still connected after ${HANG_GUARD_MS} ms, ${dripped} bytes dripped; answer so far ${JSON.stringify(answer)}`));
    }, HANG_GUARD_MS);
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => (answer += chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearInterval(drip);
      clearTimeout(guard);
      resolve({ answer, dripped });
    });
    socket.write(head);
  });
}

const TIMED_OUT = 'HTTP/1.1 408 Request Timeout\r\n';

describe('a client that sends its request slowly', () => {
  it('is cut with a 408 once its headers, sent a byte at a time, pass server.headersTimeout; others are served meanwhile', async () => {
    const agent = await startTestAgent(SERVER);
    const slow = dripUntilCut(agent.port, 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ');
    expect((await fetch(`${agent.url}/api/schema`)).status).toBe(200);
    const { answer, dripped } = await slow;
    // Still sending its headers when cut: nothing but the timeout's answer came back.
    expect(answer).toBe(`${TIMED_OUT}Connection: close\r\n\r\n`);
    expect(dripped).toBeGreaterThan(0);
    expect((await fetch(`${agent.url}/healthz`)).status).toBe(200);
  });

  it('is cut with a 408 once a body that trickles in passes server.requestTimeout, after its answer', async () => {
    const agent = await startTestAgent(SERVER);
    const { answer, dripped } = await dripUntilCut(agent.port, 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000000\r\n\r\n');
    // The agent answered the GET at once; the connection stayed the body's until the whole request had timed out.
    expect(answer).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(answer.slice(answer.indexOf(TIMED_OUT))).toBe(`${TIMED_OUT}Connection: close\r\n\r\n`);
    expect(dripped).toBeGreaterThan(0);
    expect(dripped).toBeLessThan(1_000_000);
  });

  it('is cut with a 408 when it sends nothing at all', async () => {
    const agent = await startTestAgent(SERVER);
    const silent = connect(agent.port, '127.0.0.1');
    let answer = '';
    silent.setEncoding('latin1').on('data', (chunk: string) => (answer += chunk));
    silent.on('error', () => undefined);
    await new Promise((resolve) => silent.once('close', resolve));
    expect(answer).toBe(`${TIMED_OUT}Connection: close\r\n\r\n`);
  });

  it('is cut within twice server.headersTimeout: Node checks its connections that often, not every 30 s', async () => {
    // Node enforces both timeouts only when it checks its connections, on a timer of its own: by default every 30 s,
    // which the tests above would pass with (their guard is 30 s too). That timer's period is what sets the bound.
    const before = snapshot();
    await startTestAgent(SERVER);
    // The start's first samples run short-lived timers of their own: awaited until they are gone.
    await until('the connection check alone', async () => fastTimersSince(before), (periods) => periods.length === 1);
    expect(fastTimersSince(before)).toEqual([300]);
  });
});
