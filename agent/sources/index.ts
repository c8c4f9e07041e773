import type { Config } from '../config';
import { createProcfsSource } from './procfs/source';
import { createSystemInformationSource } from './systeminformation/source';
import type { Source } from './types';

/** `auto` reads /proc on Linux (no child process, the kernel's own counters) and systeminformation elsewhere. */
export function createSource(config: Config, platform: NodeJS.Platform = process.platform): Source {
  const kind = config.source === 'auto' ? (platform === 'linux' ? 'procfs' : 'systeminformation') : config.source;
  if (kind === 'systeminformation') return createSystemInformationSource();
  return createProcfsSource({ root: config.procfsRoot, mountTimeoutMs: config.collectors.disk.mountTimeout });
}
