/**
 * The portable source: systeminformation for macOS, Windows and the BSDs (and wherever `source: systeminformation` is
 * configured). si forks df/vm_stat/PowerShell per call and gives shares rather than counters: see map.ts for what it
 * cannot give and what is left out therefore.
 */
import * as os from 'node:os';
import * as si from 'systeminformation';
import type { Source } from '../types';
import { type HostFacts, mapCurrentLoad, mapFsSize, mapInventory, mapLoad, mapMem, mapNetworkStats } from './map';

/** The part of systeminformation this source calls; a parameter so that tests can make it fail. */
export type SystemInformationApi = Pick<typeof si, 'currentLoad' | 'mem' | 'fsSize' | 'osInfo' | 'cpu' | 'time' | 'networkStats'>;

export interface SystemInformationSourceOptions {
  lib?: SystemInformationApi;
  platform?: NodeJS.Platform;
  loadavg?: () => number[];
  host?: () => HostFacts;
}

function readHostFacts(): HostFacts {
  return {
    sysname: os.type(),
    release: os.release(),
    version: os.version(),
    machine: os.machine(),
    hostname: os.hostname(),
    platform: os.platform(),
  };
}

/** Runs one read, wrapping any failure with what was being read: "couldn't get memory from systeminformation: ...". */
async function read<T>(what: string, fn: () => T | Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new Error(`couldn't get ${what} from systeminformation: ${reason}`, { cause: err });
  }
}

export function createSystemInformationSource(options: SystemInformationSourceOptions = {}): Source {
  const lib = options.lib ?? si;
  const platform = options.platform ?? process.platform;
  const loadavg = options.loadavg ?? os.loadavg;
  const host = options.host ?? readHostFacts;

  return {
    name: 'systeminformation',

    // si computes the shares since its previous call (module-wide state; the first call waits 500 ms for a baseline).
    cpu: () => read('cpu', async () => mapCurrentLoad(await lib.currentLoad(), platform)),

    memory: () => read('memory', async () => mapMem(await lib.mem(), platform)),

    load: () => read('load', () => mapLoad(loadavg())),

    // si statfs's every mount through df before include() can filter; it swallows df's failure into an empty list,
    // which no running host has, so an empty list is reported as the error it is.
    mounts: (include) =>
      read('filesystems', async () => {
        const list = await lib.fsSize();
        if (list.length === 0) throw new Error('no filesystem listed (df or Win32_LogicalDisk failed)');
        return mapFsSize(list, include, platform);
      }),

    // si only has I/O summed over all disks (si.disksIO): never to be published as one device's counters.
    diskStats: async () => null,

    // '*': every interface si lists (it forks `ip` and friends to list them on Linux).
    network: () => read('network', async () => mapNetworkStats(await lib.networkStats('*'), platform)),

    // PSI is Linux's, and si has no reading of it.
    pressure: async () => ({}),

    inventory: () =>
      read('inventory', async () => {
        const [osInfo, cpu] = await Promise.all([lib.osInfo(), lib.cpu()]);
        return mapInventory(osInfo, cpu, lib.time(), host());
      }),
  };
}
