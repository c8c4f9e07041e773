/** Event ids `<boot>-<seq>` (see the contract in agent/events.ts) and what a client's Last-Event-ID asks for. */
import { EVENT_ID_PATTERN } from '../events';

export interface EventId {
  boot: string;
  seq: number;
}

export function formatEventId({ boot, seq }: EventId): string {
  return `${boot}-${seq}`;
}

/** The id, or undefined for anything that is not exactly an id this agent could have sent. */
export function parseEventId(text: string): EventId | undefined {
  const match = EVENT_ID_PATTERN.exec(text);
  return match ? { boot: match[1], seq: Number(match[2]) } : undefined;
}

/** Where a connecting client wants to start. */
export type ResumeRequest =
  /** No id: a new client. */
  | { kind: 'fresh' }
  | { kind: 'from'; id: EventId }
  /** A Last-Event-ID this agent cannot have sent (another server behind the same URL?): answered with a reset. */
  | { kind: 'unreadable' };

/**
 * The header wins over ?lastEventId=: a page that started from a snapshot keeps that query in its URL, while the
 * browser sends the newer Last-Event-ID on every reconnection. A bad header is never a 400 (that would stop
 * EventSource for good); a bad query is, and the query was validated before it got here.
 */
export function resumeRequest(header: string | undefined, query: EventId | undefined): ResumeRequest {
  if (header) {
    const id = parseEventId(header);
    return id ? { kind: 'from', id } : { kind: 'unreadable' };
  }
  return query ? { kind: 'from', id: query } : { kind: 'fresh' };
}
