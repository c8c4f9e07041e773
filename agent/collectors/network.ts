import type { NetworkEvent, NetworkInterface } from '../events';
import type { NetworkCollectorConfig } from '../config';
import type { NetClassReading, NetDevReading, NetworkReading, Source } from '../sources/types';
import type { Collector } from './types';
import { increase, isRateBase, perSecond } from './deltas';

/** /sys/class/net/<device>/speed is in Mbit/s: 10^6 bits, 125,000 bytes per second. */
const SPEED_MBIT_BYTES = 1_000_000 / 8;

/** The interface's up, operstate and link speed, where the source has them. */
function facts(reading: NetClassReading | undefined): Pick<NetworkInterface, 'up' | 'operstate' | 'speedBytesPerSecond'> {
  if (reading?.operstate === undefined) return {};
  const { operstate, speed } = reading;
  // -1 (or an absent file) is a speed the driver does not know: no figure rather than a negative one.
  return { up: operstate === 'up', operstate, ...(speed !== undefined && speed >= 0 ? { speedBytesPerSecond: speed * SPEED_MBIT_BYTES } : {}) };
}

/**
 * Per-interface rates between two readings taken `seconds` apart. An interface new since the last reading is left out;
 * a counter that went backwards (the interface re-created, a 32-bit driver counter wrapped) counts as no increase.
 * A column the source lacks gives no rate; an interface without byte counters (si could not read them) is left out.
 */
export function interfaceRates(
  previous: Map<string, NetDevReading>,
  current: NetworkReading,
  seconds: number,
): NetworkInterface[] {
  if (!(seconds > 0)) return [];
  const classes = new Map((current.classes ?? []).map((c) => [c.device, c]));
  return current.devices.flatMap((now) => {
    const before = previous.get(now.device);
    if (!before) return [];
    const rate = (direction: 'receive' | 'transmit', column: 'bytes' | 'packets' | 'errs' | 'drop') => {
      const [then, value] = [before[direction][column], now[direction][column]];
      return then === undefined || value === undefined ? undefined : perSecond(increase(then, value), seconds);
    };
    const [receiveBytesPerSecond, transmitBytesPerSecond] = [rate('receive', 'bytes'), rate('transmit', 'bytes')];
    if (receiveBytesPerSecond === undefined || transmitBytesPerSecond === undefined) return [];
    const optional = {
      receivePacketsPerSecond: rate('receive', 'packets'),
      transmitPacketsPerSecond: rate('transmit', 'packets'),
      receiveErrorsPerSecond: rate('receive', 'errs'),
      transmitErrorsPerSecond: rate('transmit', 'errs'),
      receiveDropsPerSecond: rate('receive', 'drop'),
      transmitDropsPerSecond: rate('transmit', 'drop'),
    };
    return [
      {
        device: now.device,
        ...facts(classes.get(now.device)),
        receiveBytesPerSecond,
        transmitBytesPerSecond,
        ...Object.fromEntries(Object.entries(optional).filter(([, value]) => value !== undefined)),
      },
    ];
  });
}

/** `monotonicMs` times the interval of the rates (performance.now(): wall-clock steps do not bend them). */
export function createNetworkCollector(
  source: Source,
  config: NetworkCollectorConfig,
  now: () => number = Date.now,
  monotonicMs: () => number = () => performance.now(),
): Collector<'network'> {
  const devicesExclude = new RegExp(config.devicesExclude);
  const kept = <T extends { device: string }>(list: T[]) => list.filter((d) => !devicesExclude.test(d.device));
  let previous: { at: number; devices: Map<string, NetDevReading> } | undefined;

  return {
    topic: 'network',
    async collect() {
      const read = await source.network();
      const at = monotonicMs();
      const raw: NetworkReading = { devices: kept(read.devices), classes: read.classes && kept(read.classes) };
      const base = previous && isRateBase(previous.at, at) ? previous : undefined;
      previous = { at, devices: new Map(raw.devices.map((d) => [d.device, d])) };
      if (!base) return { topic: 'network', raw };
      const data: NetworkEvent = { ts: now(), interfaces: interfaceRates(base.devices, raw, (at - base.at) / 1000) };
      return { topic: 'network', data, raw };
    },
  };
}
