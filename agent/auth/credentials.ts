/** The Authorization request header (RFC 9110 section 11.6.2), read strictly: anything malformed is no credentials. */

export type Credentials = { scheme: 'basic'; user: string; password: string } | { scheme: 'bearer'; token: string };

/** token68 (RFC 9110): what both schemes carry after the scheme name and one space. */
const TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export function parseAuthorization(header: string | undefined): Credentials | undefined {
  const match = /^([A-Za-z]+) +(\S+) *$/.exec(header ?? '');
  if (!match || !TOKEN68.test(match[2]!)) return undefined;
  const scheme = match[1]!.toLowerCase();
  const value = match[2]!;
  if (scheme === 'bearer') return { scheme, token: value };
  if (scheme !== 'basic' || !BASE64.test(value)) return undefined;
  // RFC 7617: user-id ":" password, UTF-8 (the charset the challenge announces); the user cannot hold a colon.
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { scheme, user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}
