/**
 * The query strings of /events and /api/snapshot, read strictly: an unknown key, a repeated key, an unknown or
 * disabled topic or a malformed lastEventId is a 400 whose message names it, never silently ignored.
 */
import { TOPICS, type Topic } from '../events';
import { parseEventId, type EventId } from './ids';

/** Carries its status to the app's error handler, which answers `{"error": message}`. */
export class QueryError extends Error {
  readonly status = 400;
  constructor(message: string) {
    super(message);
    this.name = 'QueryError';
  }
}

export interface FeedQuery {
  /** Deduplicated, in the order asked; every enabled topic when the query has none. */
  topics: Topic[];
  lastEventId?: EventId;
}

type Key = keyof FeedQuery;

/** A client's value in a message, bounded so a huge query does not come back whole. */
export function quote(value: string): string {
  const text = JSON.stringify(value);
  return text.length > 64 ? `${text.slice(0, 60)}..."` : text;
}

/** A `topics=` value: every name known and enabled, deduplicated, in the order asked. */
export function parseTopics(value: string, enabled: readonly Topic[]): Topic[] {
  const topics = new Set<Topic>();
  for (const name of value.split(',')) {
    if (!(TOPICS as readonly string[]).includes(name)) {
      throw new QueryError(`topics: unknown topic ${quote(name)}; expected a comma-separated list of ${TOPICS.join(', ')}`);
    }
    const topic = name as Topic;
    if (!enabled.includes(topic)) throw new QueryError(`topics: ${quote(name)} is not enabled on this agent; enabled: ${enabled.join(', ')}`);
    topics.add(topic);
  }
  return [...topics];
}

/** `search` is the raw query string, with or without its "?"; `keys` are the ones this endpoint takes. */
export function parseFeedQuery(search: string, enabled: readonly Topic[], keys: readonly Key[]): FeedQuery {
  const params = new URLSearchParams(search);
  for (const key of new Set(params.keys())) {
    if (!(keys as readonly string[]).includes(key)) {
      throw new QueryError(`unknown query parameter ${quote(key)}; this endpoint takes ${keys.length ? keys.join(', ') : 'none'}`);
    }
    if (params.getAll(key).length > 1) throw new QueryError(`${key}: given more than once`);
  }
  const query: FeedQuery = { topics: [...enabled] };
  const topics = params.get('topics');
  if (topics !== null) query.topics = parseTopics(topics, enabled);
  const lastEventId = params.get('lastEventId');
  // Empty means none, as an empty `id:` clears EventSource's: `?lastEventId=${last ?? ''}` just works.
  if (lastEventId) {
    query.lastEventId = parseEventId(lastEventId);
    if (!query.lastEventId) throw new QueryError(`lastEventId: expected an event id such as "7f3c2a-42", got ${quote(lastEventId)}`);
  }
  return query;
}
