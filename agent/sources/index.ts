import type { Config } from '../config';
import type { Source } from './types';

/**
 * `auto` reads /proc on Linux (no child process, the kernel's own counters) and systeminformation elsewhere.
 * Each source is loaded only when picked: systeminformation is a large module the Linux agent never needs.
 */
export async function createSource(config: Config, platform: NodeJS.Platform = process.platform): Promise<Source> {
  const kind = config.source === 'auto' ? (platform === 'linux' ? 'procfs' : 'systeminformation') : config.source;
  if (kind === 'systeminformation') {
    const { createSystemInformationSource } = await import('./systeminformation/source');
    return createSystemInformationSource();
  }
  const { createProcfsSource } = await import('./procfs/source');
  return createProcfsSource({
    root: config.procfsRoot,
    rootfs: config.rootfs,
    sysfsRoot: config.sysfsRoot,
    mountTimeoutMs: config.collectors.disk.mountTimeout,
  });
}
