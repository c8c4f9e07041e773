/**
 * The query string of GET /api/history, read strictly as /events' is: anything unknown, repeated, malformed or out of
 * range is a 400 naming the parameter.
 */
import type { Topic } from '../events';
import { QueryError, parseTopics, quote } from '../sse/query';
import type { HistoryRequest } from './downsample';

const KEYS = ['topics', 'from', 'to', 'step', 'maxPoints'];
export const DEFAULT_RANGE_MS = 3_600_000;
export const DEFAULT_MAX_POINTS = 1500;
/** Two points make a line; 10,000 are more than a screen is wide. */
export const MAX_POINTS = 10_000;

/** A time in ms since the epoch: digits only, so that "1e3", "0x10" and " 5" are refused rather than read. */
function time(params: URLSearchParams, key: string): number | undefined {
  const text = params.get(key);
  if (text === null) return undefined;
  const ms = Number(text);
  if (!/^\d{1,15}$/.test(text) || !Number.isSafeInteger(ms)) throw new QueryError(`${key}: expected a time in ms since the Unix epoch, got ${quote(text)}`);
  return ms;
}

export function parseHistoryQuery(search: string, enabled: readonly Topic[], now: number): HistoryRequest {
  const params = new URLSearchParams(search);
  for (const key of new Set(params.keys())) {
    if (!KEYS.includes(key)) throw new QueryError(`unknown query parameter ${quote(key)}; this endpoint takes ${KEYS.join(', ')}`);
    if (params.getAll(key).length > 1) throw new QueryError(`${key}: given more than once`);
  }
  const topicList = params.get('topics');
  const topics = topicList === null ? [...enabled] : parseTopics(topicList, enabled);
  const to = time(params, 'to') ?? now;
  const from = time(params, 'from') ?? Math.max(0, to - DEFAULT_RANGE_MS);
  if (from > now) throw new QueryError(`from: ${from} is in the future (now ${now})`);
  if (from >= to) throw new QueryError(`from: expected before to (${to}), got ${from}`);
  const request: HistoryRequest = { topics, from, to, maxPoints: DEFAULT_MAX_POINTS };
  const step = params.get('step');
  if (step !== null) {
    const seconds = Number(step);
    if (step.trim() === '' || !Number.isFinite(seconds) || seconds <= 0) throw new QueryError(`step: expected a positive number of seconds, got ${quote(step)}`);
    request.stepMs = seconds * 1000;
  }
  const maxPoints = params.get('maxPoints');
  if (maxPoints !== null) {
    const n = Number(maxPoints);
    if (!/^\d+$/.test(maxPoints) || n < 2 || n > MAX_POINTS) throw new QueryError(`maxPoints: expected a whole number from 2 to ${MAX_POINTS}, got ${quote(maxPoints)}`);
    request.maxPoints = n;
  }
  return request;
}
