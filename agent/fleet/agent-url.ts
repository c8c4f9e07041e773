/**
 * An agent's address as the viewer may use it: the page connects to it, and its origin goes into the page's CSP
 * connect-src, so it must be an origin CSP's own grammar reads as one.
 */

/** Agents on one page at most: bounds the CSP header, and more cards than this do not fit a screen anyway. */
export const MAX_AGENTS = 16;

/**
 * An origin as CSP's host-source grammar writes one: http(s), host-chars (ALPHA / DIGIT / "-") in dot-separated labels
 * or an IPv6 literal, an optional port. URL.origin lets ";", ",", "*" and quotes through in a host name, and each of
 * them would end or widen a directive of the header.
 */
const CSP_ORIGIN = /^https?:\/\/(?:[a-z0-9-]+(?:\.[a-z0-9-]+)*|\[[0-9a-f:.]+\])(?::\d+)?$/;

/** The URL of `text` if it is an http(s) address whose origin CSP reads as one, else undefined. */
export function agentUrl(text: string): URL | undefined {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    return undefined;
  }
  return CSP_ORIGIN.test(url.origin) ? url : undefined;
}

/** An agent's base URL as the page keeps one (viewer/app.js): origin and path, no query, no trailing slash. */
export function agentBase(url: URL): string {
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}
