/** Answers written on node:http's response alone, as express's res.json writes them: the lean path has no express. */
import type { ServerResponse } from 'node:http';

/** JSON with its length; a HEAD request gets the headers only (Node leaves the body out). */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string | string[]> = {}): void {
  const text = JSON.stringify(body);
  res.statusCode = status;
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(text));
  res.end(text);
}
