/** The client a sign-in is queued under: its IPv4 address, or the /64 of its IPv6 one. */
import { isIPv6 } from 'node:net';

/** IPv4 in IPv6 notation, as a dual-stack socket reports IPv4 peers. */
const MAPPED_IPV4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i;

/**
 * A host is usually given a whole /64 and picks addresses in it at will: one key per IPv6 address would give one
 * host as many shares of the bcrypt queue as it likes.
 */
export function clientKey(address: string | undefined): string {
  if (address === undefined) return '';
  const mapped = MAPPED_IPV4.exec(address);
  if (mapped) return mapped[1]!;
  const plain = address.replace(/%.*$/, '');
  if (!isIPv6(plain)) return address;
  const [head, tail] = plain.split('::').map((part) => (part ? part.split(':') : []));
  // "::" stands for as many zero groups as make 8; an IPv4 tail ("::ffff:1.2.3.4", 64:ff9b::/96) fills two.
  const width = (groups: string[]) => groups.reduce((sum, group) => sum + (group.includes('.') ? 2 : 1), 0);
  const zeros = tail === undefined ? [] : Array<string>(8 - width(head!) - width(tail)).fill('0');
  const groups = [...head!, ...zeros, ...(tail ?? [])];
  return `${groups
    .slice(0, 4)
    .map((group) => parseInt(group, 16).toString(16))
    .join(':')}::/64`;
}
