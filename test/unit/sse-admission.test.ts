import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { BlockList } from 'node:net';
import type { Request } from 'express';
import { parseConfig } from '../../agent/config';
import { silentLogger } from '../../agent/logger';
import { addressKey, clientAddress, createStreamAdmission } from '../../agent/sse/admission';

describe('the address a stream counts against', () => {
  it('is an IPv4 address as is, and the same for its IPv4-mapped IPv6 form', () => {
    expect(addressKey('192.0.2.7')).not.toBe(addressKey('192.0.2.8'));
    expect(addressKey('::ffff:192.0.2.7')).toBe(addressKey('192.0.2.7'));
    expect(addressKey('::FFFF:127.0.0.2')).toBe(addressKey('127.0.0.2'));
  });

  // RFC 4291: the /64 is one subnet, which one host or customer usually gets whole (RFC 6177).
  it.each([
    ['2001:db8::1', '2001:db8:0:0:ffff:ffff:ffff:ffff'],
    ['2001:db8::1', '2001:0db8:0000:0000:0:0:0:2'],
    ['2001:db8:0:0:1::1', '2001:db8::'],
    ['fe80::1%eth0', 'fe80::2%eth1'],
    ['::1', '::2'],
    ['2001:db8::192.0.2.1', '2001:db8::1'],
    // RFC 4291 2.2: the dotted quad is the last two groups, so five groups after "::" reach into the /64.
    ['1::2:3:4:5.6.7.8', '1:0:0:2:ffff::'],
    ['::1', '0:0:0:0:ffff::'],
  ])('is the /64 of an IPv6 address: %s and %s are one', (a, b) => {
    expect(addressKey(a)).toBe(addressKey(b));
  });

  it.each([
    ['2001:db8::1', '2001:db8:0:1::1'],
    ['2001:db8::1', '2001:db9::1'],
    ['2001:db8:1::', '2001:db8::1'],
    ['::1', '::ffff:0.0.0.1'],
    ['1::2:3:4:5.6.7.8', '1::1'],
    ['1:23::', '12:3::'],
    ['1::ffff:192.0.2.7', '192.0.2.7'],
  ])('tells apart IPv6 addresses of different /64s: %s and %s', (a, b) => {
    expect(addressKey(a)).not.toBe(addressKey(b));
  });

  it.each([
    ['2001:db8::1', '2001:db8::ffff:1', '2001:db8:0:1::1'],
    ['fe80::1%eth0', 'fe80::abcd', 'fe81::1'],
    ['1::2:3:4:5.6.7.8', '1:0:0:2:9::', '1:0:0:3::'],
  ])('of %s is its /64 in prefix notation (RFC 4291 2.3): holds %s, not %s', (address, inside, outside) => {
    const [prefix, length] = addressKey(address).split('/');
    expect(length).toBe('64');
    const subnet = new BlockList();
    subnet.addSubnet(prefix!, 64, 'ipv6');
    expect([subnet.check(address.split('%')[0]!, 'ipv6'), subnet.check(inside, 'ipv6'), subnet.check(outside, 'ipv6')]).toEqual([true, true, false]);
  });
});

describe("a request's client address", () => {
  /** What clientAddress reads of a request: express's req.ip (X-Forwarded-For through trusted proxies) and the socket's. */
  const request = (ip: string | undefined, remoteAddress: string | undefined) => ({ ip, socket: { remoteAddress } }) as unknown as Request;

  it('is req.ip when that is an address, counted by its key', () => {
    expect(clientAddress(request('192.0.2.7', '127.0.0.1'))).toBe(addressKey('192.0.2.7'));
    expect(clientAddress(request('2001:db8::7', '127.0.0.1'))).toBe(addressKey('2001:db8::8'));
  });

  it("is the socket's when req.ip is missing or what a proxy wrote is no address", () => {
    expect(clientAddress(request(undefined, '::ffff:192.0.2.9'))).toBe(addressKey('192.0.2.9'));
    expect(clientAddress(request('unknown', '192.0.2.9'))).toBe(addressKey('192.0.2.9'));
    expect(clientAddress(request('', '192.0.2.9'))).toBe(addressKey('192.0.2.9'));
  });

  it('is one key for every socket that no longer has an address', () => {
    expect(clientAddress(request(undefined, undefined))).toBe(clientAddress(request('junk', undefined)));
    expect(clientAddress(request(undefined, undefined))).not.toBe(addressKey('192.0.2.9'));
  });
});

/** What admission uses of a response: 'close' and whether it is gone. */
class FakeResponse extends EventEmitter {
  destroyed = false;
}

function setup() {
  const logger = silentLogger();
  const warn = jest.spyOn(logger, 'warn');
  const admission = createStreamAdmission(parseConfig({ sse: { maxClientsPerAddress: 2 } }, 'test').sse, logger);
  const hold = (address: string) => {
    const res = new FakeResponse();
    admission.hold(address, res as unknown as ServerResponse);
    return res;
  };
  return { admission, hold, warn };
}

describe('stream admission', () => {
  it('refuses an address at maxClientsPerAddress until one of its streams closes; other addresses still open', () => {
    const { admission, hold } = setup();
    const [first] = [hold('192.0.2.1'), hold('192.0.2.1')];
    expect(admission.refusal('192.0.2.1', false)).toBe('per_address');
    expect(admission.refusal('192.0.2.2', false)).toBeUndefined();
    first.emit('close');
    expect(admission.refusal('192.0.2.1', false)).toBeUndefined();
    expect(admission.refused()).toEqual({ max_clients: 0, per_address: 1 });
  });

  it('frees one slot per closed stream, not the whole address', () => {
    const { admission, hold } = setup();
    const [first] = [hold('192.0.2.1'), hold('192.0.2.1')];
    first.emit('close');
    hold('192.0.2.1');
    expect(admission.refusal('192.0.2.1', false)).toBe('per_address');
  });

  it('logs a per-address refusal naming the key to raise', () => {
    const { admission, hold, warn } = setup();
    hold('192.0.2.1');
    hold('192.0.2.1');
    admission.refusal('192.0.2.1', false);
    expect(warn).toHaveBeenCalledWith(
      expect.objectContaining({ reason: 'per_address', address: '192.0.2.1', maxClientsPerAddress: 2, times: 1 }),
      expect.stringContaining('sse.maxClientsPerAddress'),
    );
  });

  it('names maxClients when the hub is full, whatever the address holds', () => {
    const { admission, hold, warn } = setup();
    hold('192.0.2.1');
    hold('192.0.2.1');
    expect(admission.refusal('192.0.2.9', true)).toBe('max_clients');
    expect(admission.refusal('192.0.2.1', true)).toBe('max_clients');
    expect(admission.refused()).toEqual({ max_clients: 2, per_address: 0 });
    // Rate-limited: one line for the flood so far.
    expect(warn.mock.calls).toEqual([[expect.objectContaining({ reason: 'max_clients', address: '192.0.2.9', times: 1 }), expect.stringContaining('sse.maxClients ')]]);
  });

  it('does not hold a slot for a response already gone, whose close would never come', () => {
    const { admission, hold } = setup();
    const gone = new FakeResponse();
    gone.destroyed = true;
    admission.hold('192.0.2.1', gone as unknown as ServerResponse);
    admission.hold('192.0.2.1', gone as unknown as ServerResponse);
    hold('192.0.2.1');
    expect(admission.refusal('192.0.2.1', false)).toBeUndefined();
  });
});
