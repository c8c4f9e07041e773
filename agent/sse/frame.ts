/**
 * WHATWG Server-Sent Events framing. Each event becomes one Buffer, built once and written as is to every client.
 * Nothing a caller passes can put a CR, LF or NUL on an `event:`, `id:` or `data:` line (field injection): names
 * and ids are checked against a safe charset, and `data` is JSON, which escapes every control character.
 */
import type { EventPayload, EventType } from '../events';

/** A frame that would break the stream: always a bug in hostfeed, never a client's doing. */
export class FramingError extends Error {
  constructor(message: string) {
    super(`${message} (a hostfeed bug: please report it)`);
    this.name = 'FramingError';
  }
}

/** Lower-case words joined by dashes, as the contract's names; `error` and `message` mean something else to EventSource. */
const EVENT_NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
const RESERVED_NAMES = new Set(['error', 'message']);
/** Characters that need no escaping anywhere and that browsers send back in Last-Event-ID without a preflight. */
const EVENT_ID = /^[A-Za-z0-9._-]{1,64}$/;
/** Printable ASCII only: a comment is for humans and proxies. */
const COMMENT = /^[\x20-\x7e]*$/;
/**
 * Not line breaks to SSE, but they are to some consumers' line splitters (Python's str.splitlines, old JS
 * engines' string literals), so they are escaped too: the JSON value is the same.
 */
const UNICODE_LINE_BREAKS = /[\u0085\u2028\u2029]/g;

function escapeUnicodeLineBreak(char: string): string {
  return `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

export function eventFrame<T extends EventType>(type: T, id: string, data: EventPayload<T>): Buffer {
  if (!EVENT_NAME.test(type) || RESERVED_NAMES.has(type)) throw new FramingError(`invalid SSE event name ${JSON.stringify(type)}`);
  if (!EVENT_ID.test(id)) throw new FramingError(`invalid SSE event id ${JSON.stringify(id)}`);
  const json = JSON.stringify(data) as string | undefined;
  if (json === undefined) throw new FramingError(`${type} event data is not JSON-serialisable`);
  return Buffer.from(`event: ${type}\nid: ${id}\ndata: ${json.replace(UNICODE_LINE_BREAKS, escapeUnicodeLineBreak)}\n\n`, 'utf8');
}

/** Sets EventSource's reconnection delay. */
export function retryFrame(ms: number): Buffer {
  if (!Number.isSafeInteger(ms) || ms < 0) throw new FramingError(`invalid SSE retry ${ms}`);
  return Buffer.from(`retry: ${ms}\n\n`, 'utf8');
}

const CRLF = Buffer.from('\r\n');

/** `frame` as one HTTP/1.1 chunk, for writing straight to the socket of a response in chunked encoding. */
export function httpChunk(frame: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`${frame.length.toString(16)}\r\n`, 'latin1'), frame, CRLF]);
}

/** A comment line: ignored by EventSource, but bytes on the wire for proxies and idle timeouts. */
export function commentFrame(text: string): Buffer {
  if (!COMMENT.test(text)) throw new FramingError(`invalid SSE comment ${JSON.stringify(text)}`);
  return Buffer.from(`: ${text}\n\n`, 'utf8');
}
