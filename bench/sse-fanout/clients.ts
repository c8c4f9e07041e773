/**
 * Many lightweight SSE clients in one process, for the fan-out bench: `node clients.js PORT COUNT`. Raw TCP
 * connections (no HTTP client machinery, so the client side costs little), each noting receipt time - event `ts`
 * for every event. Talks to its parent over IPC: reports "connected" once every client has its response
 * head, records while told "measure" and answers "report" with its latencies.
 */
import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';

/** Record the events stamped from `measureFrom` (ms since the epoch) on; report them. */
export type ClientsCommand = { measureFrom: number } | 'report';
/** Each received event's `ts` and its latency, index by index. */
export type ClientsMessage = { connected: number } | { ts: number[]; latenciesMs: number[] };

/** Connections opened at once: more would overflow the server's accept backlog. */
const CONNECT_BATCH = 250;
const TS_MARKER = Buffer.from('"ts":');
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;

/**
 * Reads the `ts` of every event in a stream of chunks without decoding text (the cost per chunk is what delays the
 * next socket's reading): a marker or number cut by a chunk boundary is carried over to the next chunk.
 */
function tsReader(record: (ts: number) => void): (chunk: Buffer) => void {
  let carry: Buffer | undefined;
  return (chunk) => {
    const bytes = carry ? Buffer.concat([carry, chunk]) : chunk;
    carry = undefined;
    let from = 0;
    for (let at = bytes.indexOf(TS_MARKER, from); at >= 0; at = bytes.indexOf(TS_MARKER, from)) {
      let end = at + TS_MARKER.length;
      let ts = 0;
      while (end < bytes.length && bytes[end] >= DIGIT_0 && bytes[end] <= DIGIT_9) ts = ts * 10 + bytes[end++] - DIGIT_0;
      if (end === bytes.length) {
        carry = bytes.subarray(at);
        return;
      }
      record(ts);
      from = end;
    }
    // A marker may begin in the last bytes.
    carry = bytes.subarray(Math.max(from, bytes.length - TS_MARKER.length + 1));
  };
}

function openClient(port: number, record: (ts: number, receivedAt: number) => void): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let receivedAt = 0;
    const read = tsReader((ts) => record(ts, receivedAt));
    let head: Buffer | undefined = Buffer.alloc(0);
    socket.write(`GET /events HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAccept: text/event-stream\r\n\r\n`);
    socket.on('data', (chunk: Buffer) => {
      receivedAt = performance.timeOrigin + performance.now();
      if (head) {
        head = Buffer.concat([head, chunk]);
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) return;
        if (!head.toString('latin1', 0, 12).startsWith('HTTP/1.1 200')) return reject(new Error(`refused: ${head.toString('latin1', 0, head.indexOf('\r\n'))}`));
        chunk = head.subarray(end + 4);
        head = undefined;
        resolve(socket);
      }
      read(chunk);
    });
    socket.on('error', reject);
  });
}

async function main(port: number, count: number): Promise<void> {
  let measureFrom = Number.POSITIVE_INFINITY;
  const ts: number[] = [];
  const latenciesMs: number[] = [];
  const record = (eventTs: number, receivedAt: number) => {
    if (eventTs < measureFrom) return;
    ts.push(eventTs);
    latenciesMs.push(receivedAt - eventTs);
  };
  const sockets: Socket[] = [];
  for (let opened = 0; opened < count; opened += CONNECT_BATCH) {
    const batch = Math.min(CONNECT_BATCH, count - opened);
    sockets.push(...(await Promise.all(Array.from({ length: batch }, () => openClient(port, record)))));
  }
  process.send!({ connected: sockets.length } satisfies ClientsMessage);
  // Never outlive the bench: it ends this process by PID, and should it die first, the IPC channel closes.
  process.once('disconnect', () => process.exit(0));
  process.on('message', (command: ClientsCommand) => {
    if (command === 'report') process.send!({ ts, latenciesMs } satisfies ClientsMessage);
    else measureFrom = command.measureFrom;
  });
}

if (require.main === module) {
  main(Number(process.argv[2]), Number(process.argv[3])).catch((err: unknown) => {
    process.stderr.write(`sse-fanout clients: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
