/**
 * How SSE frames reach one client's connection: the one place that knows the response's transfer coding.
 *
 * Live frames go straight to the socket, already in that coding, when the response writes with node:http's own
 * write (express's responses inherit it): express changes the prototype of every response, which leaves V8 slow at
 * every property read inside res.write(); at 10,000 clients the broadcast loop took 70 ms through res.write() against
 * 7 ms on the socket. A response whose write someone replaced (a compression middleware, a wrapper) gets res.write,
 * which frames the bytes itself.
 */
import { ServerResponse, type IncomingMessage } from 'node:http';
import { httpChunk } from './frame';

/** One frame as a response has it on its socket: chunked (HTTP/1.1), or as is (HTTP/1.0, read to close). */
export interface Frame {
  plain: Buffer;
  /** Made when a chunked client first needs it: with no such client, nothing but the frame is built. */
  chunked(): Buffer;
}

export function frameOf(plain: Buffer): Frame {
  let chunked: Buffer | undefined;
  return { plain, chunked: () => (chunked ??= httpChunk(plain)) };
}

/**
 * Whether the stream to `req` is chunked, by node:http's own rule (ServerResponse's useChunkedEncodingByDefault): an
 * HTTP/1.1 client, or an older one that offers it (`TE: chunked`). The head says so explicitly (setTransferCoding), so
 * that the raw path never guesses.
 */
function isChunked(req: IncomingMessage): boolean {
  const { httpVersionMajor: major, httpVersionMinor: minor } = req;
  return (major >= 1 && minor >= 1) || /(?:^|\W)chunked(?:$|\W)/i.test(String(req.headers.te ?? ''));
}

/** States the transfer coding in the head of an SSE response, before it is flushed (a HEAD response has no body). */
export function setTransferCoding(req: IncomingMessage, res: ServerResponse): void {
  if (req.method !== 'HEAD' && isChunked(req)) res.setHeader('Transfer-Encoding', 'chunked');
}

export interface ClientWire {
  /** Bytes written but not yet handed to the kernel. */
  unsentBytes(): number;
  write(frame: Frame): void;
}

/** The wire of a response whose head (with setTransferCoding) is out. */
export function clientWire(res: ServerResponse): ClientWire {
  const { socket } = res;
  if (socket && res.write === ServerResponse.prototype.write) {
    const chunked = isChunked(res.req);
    return {
      unsentBytes: () => socket.writableLength,
      write: (frame) => socket.write(chunked ? frame.chunked() : frame.plain),
    };
  }
  return {
    // A response's own count includes its socket's.
    unsentBytes: () => res.writableLength,
    write: (frame) => res.write(frame.plain),
  };
}
