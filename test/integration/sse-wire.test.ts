/**
 * The bytes of /events on the connection, decoded by the HTTP/1.1 rules (RFC 9112, section 7.1) rather than by a
 * client that would forgive a broken chunk: the hub writes live frames straight to the socket, in the coding the head
 * states.
 */
import { connect, type Socket } from 'node:net';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { startTestAgent, stopTestAgents } from '../helpers/agent';
import { untilTrue } from '../helpers/until';

const sockets: Socket[] = [];
afterEach(async () => {
  sockets.splice(0).forEach((socket) => socket.destroy());
  await stopTestAgents();
});

/** The chunked body's data, and whether every chunk so far was well formed. */
function decodeChunks(body: Buffer): { data: Buffer; wellFormed: boolean } {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = body.indexOf('\r\n', at);
    if (lineEnd < 0) return { data: Buffer.concat(parts), wellFormed: true };
    const sizeLine = body.toString('latin1', at, lineEnd);
    if (!/^[0-9a-f]+$/i.test(sizeLine)) return { data: Buffer.concat(parts), wellFormed: false };
    const size = parseInt(sizeLine, 16);
    const end = lineEnd + 2 + size;
    if (body.length < end + 2) return { data: Buffer.concat(parts), wellFormed: true }; // not all here yet
    if (body.toString('latin1', end, end + 2) !== '\r\n') return { data: Buffer.concat(parts), wellFormed: false };
    parts.push(body.subarray(lineEnd + 2, end));
    at = end + 2;
  }
}

async function readStream(port: number, request: string) {
  const socket = connect(port, '127.0.0.1');
  sockets.push(socket);
  socket.write(request);
  let received = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => (received = Buffer.concat([received, chunk])));
  const split = () => {
    const headEnd = received.indexOf('\r\n\r\n');
    return { head: received.toString('latin1', 0, Math.max(0, headEnd)), body: received.subarray(headEnd + 4) };
  };
  const events = () => {
    const { data, wellFormed } = decodeChunks(split().body);
    const parsed: EventSourceMessage[] = [];
    createParser({ onEvent: (event) => parsed.push(event) }).feed(data.toString('utf8'));
    return { parsed, wellFormed };
  };
  return { split, events };
}

describe('the /events wire', () => {
  it.each([
    ['an HTTP/1.1 client', 'GET /events?topics=load HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n'],
    ['an HTTP/1.0 client that offers chunks (TE: chunked)', 'GET /events?topics=load HTTP/1.0\r\nTE: chunked\r\nAccept: text/event-stream\r\n\r\n'],
  ])('to %s: a chunked body, each live event whole in its chunks, as the head states', async (_who, request) => {
    const agent = await startTestAgent();
    const stream = await readStream(agent.port, request);
    await untilTrue('live load events', async () => stream.events().parsed.filter((e) => e.event === 'load').length >= 3);
    expect(stream.split().head).toMatch(/\r\ntransfer-encoding: chunked(\r\n|$)/i);
    const { parsed, wellFormed } = stream.events();
    expect(wellFormed).toBe(true);
    expect(parsed[0]?.event).toBe('hello');
    expect(parsed.slice(1).every((e) => e.event === 'load' && JSON.parse(e.data).load1 > 0)).toBe(true);
  });
});
