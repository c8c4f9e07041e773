/**
 * How a frame reaches one client's connection: real node:http requests and responses on a socket that records what is
 * written to it. Whether a stream is chunked is checked against node:http's own decision for the same request.
 */
import { EventEmitter } from 'node:events';
import { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { commentFrame } from '../../agent/sse/frame';
import { clientWire, frameOf, setTransferCoding } from '../../agent/sse/wire';

/** What node:http and the wire use of a socket; writes are kept, unsent bytes are whatever the test sets. */
class RecordingSocket extends EventEmitter {
  written: Buffer[] = [];
  writableLength = 0;
  write(chunk: Buffer): boolean {
    this.written.push(chunk);
    return true;
  }
  cork(): void {}
  uncork(): void {}
}

function exchange(version: string, { method = 'GET', te }: { method?: string; te?: string } = {}) {
  const socket = new RecordingSocket();
  const req = new IncomingMessage(socket as unknown as Socket);
  const [major, minor] = version.split('.').map(Number);
  Object.assign(req, { method, httpVersionMajor: major, httpVersionMinor: minor, headers: te === undefined ? {} : { te } });
  const res = new ServerResponse(req);
  res.assignSocket(socket as unknown as Socket);
  return { socket, req, res };
}

const FRAME = commentFrame('wire test');

describe('the transfer coding of an SSE response', () => {
  // [HTTP version, TE header]: node:http decides whether the client takes chunks (RFC 9112: HTTP/1.1, or TE: chunked).
  it.each([
    ['1.1', undefined],
    ['1.0', undefined],
    ['1.0', 'chunked'],
    ['1.0', 'CHUNKED'],
    ['1.0', 'gzip, chunked'],
    ['1.0', 'chunked;q=1, trailers'],
    ['1.0', 'trailers'],
    ['1.0', 'xchunked'],
    ['1.0', 'chunkedx'],
    ['1.2', undefined],
    ['2.0', undefined],
    ['0.9', undefined],
  ])('is chunked for HTTP/%s with TE %j exactly when node:http would chunk it', (version, te) => {
    const { socket, req, res } = exchange(version, { te });
    const nodeChunks = new ServerResponse(req).useChunkedEncodingByDefault;
    setTransferCoding(req, res);
    expect(res.getHeader('transfer-encoding')).toBe(nodeChunks ? 'chunked' : undefined);
    // The raw path writes as the head said.
    const frame = frameOf(FRAME);
    clientWire(res).write(frame);
    expect(socket.written).toEqual([nodeChunks ? frame.chunked() : frame.plain]);
  });

  it('is never stated for HEAD, whose response has no body', () => {
    const { req, res } = exchange('1.1', { method: 'HEAD' });
    setTransferCoding(req, res);
    expect(res.getHeader('transfer-encoding')).toBeUndefined();
  });
});

describe("a client's wire", () => {
  it("writes a live frame straight to the socket of a node:http response: one write of the frame's own Buffer", () => {
    const chunked = exchange('1.1');
    const frame = frameOf(FRAME);
    clientWire(chunked.res).write(frame);
    expect(chunked.socket.written).toHaveLength(1);
    expect(chunked.socket.written[0]).toBe(frame.chunked());
    // RFC 9112 chunked coding: the size in hex, CRLF, the data, CRLF.
    expect(frame.chunked().toString()).toBe(`${FRAME.length.toString(16)}\r\n${FRAME.toString()}\r\n`);

    const plain = exchange('1.0');
    clientWire(plain.res).write(frame);
    expect(plain.socket.written).toHaveLength(1);
    expect(plain.socket.written[0]).toBe(frame.plain);
  });

  it('counts the socket its unsent bytes', () => {
    const { socket, res } = exchange('1.1');
    socket.writableLength = 123;
    expect(clientWire(res).unsentBytes()).toBe(123);
  });

  it('goes through res.write, counting the response, where write is not node:http\'s or there is no socket', () => {
    const wrapped = exchange('1.1');
    const writes: unknown[] = [];
    wrapped.res.write = ((chunk: unknown) => writes.push(chunk) > 0) as typeof wrapped.res.write;
    Object.defineProperty(wrapped.res, 'writableLength', { value: 7 });
    const frame = frameOf(FRAME);
    const wire = clientWire(wrapped.res);
    wire.write(frame);
    expect(writes).toEqual([frame.plain]);
    expect(wrapped.socket.written).toEqual([]);
    expect(wire.unsentBytes()).toBe(7);

    const detached = new ServerResponse(exchange('1.1').req);
    const detachedWrites: unknown[] = [];
    detached.write = ((chunk: unknown) => detachedWrites.push(chunk) > 0) as typeof detached.write;
    clientWire(detached).write(frame);
    expect(detachedWrites).toEqual([frame.plain]);
  });

  it('frames a chunk once, whatever the number of chunked clients', () => {
    const frame = frameOf(FRAME);
    expect(frame.chunked()).toBe(frame.chunked());
  });
});
