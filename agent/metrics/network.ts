/**
 * node_exporter's netdev families (/proc/net/dev, its legacy names: receive_errs, transmit_colls, ...) and the netclass
 * families of /sys/class/net that say whether and how fast an interface is up. The device exclusion is the network
 * collector's (config devicesExclude), for both, as node_exporter's netdev device-exclude and netclass ignored-devices.
 */
import { NETDEV_RECEIVE, NETDEV_TRANSMIT, type NetClassReading, type NetworkReading } from '../sources/types';
import { family, type Family } from './family';

/** IFF_UP of the flags: node_exporter's adminstate label. */
const IFF_UP = 0x1;

function adminstate(flags: number | undefined): string {
  if (flags === undefined) return 'unknown';
  return flags & IFF_UP ? 'up' : 'down';
}

/**
 * Mbit/s to bytes/s in 64-bit integers, as node_exporter: an unknown speed (-1) is served as -125000, since its
 * --collector.netclass.ignore-invalid-speed is off by default (to become the default in its 2.x).
 */
function speedBytes(speed: number | undefined): number | undefined {
  return speed === undefined ? undefined : Math.trunc((speed * 1000 * 1000) / 8);
}

function netclassFamilies(classes: readonly NetClassReading[]): Family[] {
  const per = (value: (c: NetClassReading) => number | undefined) => classes.map((c) => [{ device: c.device }, value(c)] as const);
  const property = (name: string, value: (c: NetClassReading) => number | undefined) =>
    family(`node_network_${name}`, `Network device property: ${name}`, 'gauge', per(value));
  return [
    family('node_network_up', "Value is 1 if operstate is 'up', 0 otherwise.", 'gauge', per((c) => (c.operstate === 'up' ? 1 : 0))),
    family(
      'node_network_info',
      'Non-numeric data from /sys/class/net/<iface>, value is always 1.',
      'gauge',
      classes.map((c) => {
        const { device, address = '', broadcast = '', duplex = '', operstate = '', ifalias = '' } = c;
        return [{ device, address, broadcast, duplex, operstate, adminstate: adminstate(c.flags), ifalias }, 1] as const;
      }),
    ),
    property('mtu_bytes', (c) => c.mtu),
    property('speed_bytes', (c) => speedBytes(c.speed)),
  ];
}

export function networkFamilies({ devices, classes }: NetworkReading): Family[] {
  const netdev = (direction: 'receive' | 'transmit', columns: readonly string[]) =>
    columns.map((column) =>
      family(
        `node_network_${direction}_${column}_total`,
        `Network device statistic ${direction}_${column}.`,
        'counter',
        devices.map((d) => [{ device: d.device }, (d[direction] as Record<string, number | undefined>)[column]] as const),
      ),
    );
  return [...netdev('receive', NETDEV_RECEIVE), ...netdev('transmit', NETDEV_TRANSMIT), ...(classes ? netclassFamilies(classes) : [])];
}
