/** HTTP/1.1 over a raw socket: the bytes as the server wrote them, with no client library to tidy them up. */
import { connect } from 'node:net';
import { HANG_GUARD_MS } from './until';

export interface RawAnswer {
  /** 0 when the server closed the connection without answering. */
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * Writes `request` as bytes to 127.0.0.1:`port` and reads until the server closes the connection, or (`headOnly`, for
 * a stream that never closes) until the head of the answer is in. Rejects if neither happens: a hung server must not
 * pass as "no answer".
 */
export function rawHttp(port: number, request: string, { headOnly = false } = {}): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const text = () => Buffer.concat(chunks).toString('latin1');
    const finish = () => {
      clearTimeout(timer);
      socket.destroy();
      const [head = '', ...rest] = text().split('\r\n\r\n');
      const [statusLine = '', ...lines] = head.split('\r\n');
      const headers = Object.fromEntries(lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
      resolve({ status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? 0), headers, body: rest.join('\r\n\r\n') });
    };
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer and no close in ${HANG_GUARD_MS} ms; got ${JSON.stringify(text().slice(0, 200))}`));
    }, HANG_GUARD_MS);
    socket.on('data', (chunk) => {
      chunks.push(chunk);
      if (headOnly && text().includes('\r\n\r\n')) finish();
    });
    socket.on('close', finish);
    socket.on('error', (err: NodeJS.ErrnoException) => (err.code === 'ECONNRESET' ? finish() : reject(err)));
    socket.write(Buffer.from(request, 'latin1'));
  });
}
