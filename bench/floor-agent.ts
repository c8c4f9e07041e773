/**
 * The floor of the runtime for the overhead bench: bare node:http, no dependency, reading at each scrape the /proc
 * files hostfeed reads (stat, meminfo, loadavg, diskstats, mountinfo + statfs) and answering a plain text exposition
 * with node_exporter's names, gzipped at the speed level when asked, as hostfeed does.
 * `node floor-agent.js PORT MOUNT_POINTS_EXCLUDE FS_TYPES_EXCLUDE DEVICES_EXCLUDE`; loopback only.
 */
import { readFileSync } from 'node:fs';
import { statfs } from 'node:fs/promises';
import { createServer } from 'node:http';
import { hostname, machine, release, type, version } from 'node:os';
import { constants, gzipSync } from 'node:zlib';

const [port, mountPointsExclude, fsTypesExclude, devicesExclude] = process.argv.slice(2);
const [mountPointsOut, fsTypesOut, devicesOut] = [mountPointsExclude, fsTypesExclude, devicesExclude].map((source) => new RegExp(source));
const USER_HZ = 100;
const SECTOR_BYTES = 512;
const CPU_MODES = ['user', 'nice', 'system', 'idle', 'iowait', 'irq', 'softirq', 'steal'];
/** /proc/diskstats columns after the name: [column, metric, factor to base units]. */
const DISK_COLUMNS: [number, string, number][] = [
  [0, 'reads_completed_total', 1],
  [2, 'read_bytes_total', SECTOR_BYTES],
  [3, 'read_time_seconds_total', 1e-3],
  [4, 'writes_completed_total', 1],
  [6, 'written_bytes_total', SECTOR_BYTES],
  [7, 'write_time_seconds_total', 1e-3],
  [9, 'io_time_seconds_total', 1e-3],
];
const DOMAIN = readFileSync('/proc/sys/kernel/domainname', 'utf8').trim();
const UNAME = `node_uname_info{domainname="${DOMAIN}",machine="${machine()}",nodename="${hostname()}",release="${release()}",sysname="${type()}",version="${version()}"} 1\n`;

const lines = (file: string) => readFileSync(`/proc/${file}`, 'utf8').trimEnd().split('\n');

function cpu(): string {
  let out = '';
  for (const line of lines('stat')) {
    const [name, ...ticks] = line.split(' ');
    if (/^cpu\d/.test(name)) CPU_MODES.forEach((mode, i) => (out += `node_cpu_seconds_total{cpu="${name.slice(3)}",mode="${mode}"} ${Number(ticks[i]) / USER_HZ}\n`));
    else if (name === 'btime') out += `node_boot_time_seconds ${ticks[0]}\n`;
  }
  return out;
}

function memory(): string {
  return lines('meminfo')
    .map((line) => /^(\S+):\s+(\d+)( kB)?$/.exec(line))
    // As node_exporter: a figure in kB is bytes, one without a unit (HugePages_Total) a count.
    .map((m) => (m ? `node_memory_${m[1].replace(/\((.*)\)/, '_$1')}${m[3] ? '_bytes' : ''} ${Number(m[2]) * (m[3] ? 1024 : 1)}\n` : ''))
    .join('');
}

function load(): string {
  const [load1, load5, load15] = lines('loadavg')[0].split(' ');
  return `node_load1 ${load1}\nnode_load5 ${load5}\nnode_load15 ${load15}\n`;
}

function disks(): string {
  let out = '';
  for (const line of lines('diskstats')) {
    const [, , device, ...columns] = line.trim().split(/\s+/);
    if (devicesOut.test(device)) continue;
    for (const [column, metric, factor] of DISK_COLUMNS) out += `node_disk_${metric}{device="${device}"} ${Number(columns[column]) * factor}\n`;
  }
  return out;
}

async function filesystems(): Promise<string> {
  const mounts = lines('self/mountinfo').map((line) => {
    const [before, after] = line.split(' - ');
    const [fstype, device] = after.split(' ');
    return { mountpoint: before.split(' ')[4], fstype, device };
  });
  const kept = mounts.filter((m) => !mountPointsOut.test(m.mountpoint) && !fsTypesOut.test(m.fstype));
  const sizes = await Promise.all(kept.map((m) => statfs(m.mountpoint).catch(() => undefined)));
  return kept
    .map((m, i) => {
      const s = sizes[i];
      const labels = `{device="${m.device}",fstype="${m.fstype}",mountpoint="${m.mountpoint}"}`;
      if (!s) return `node_filesystem_device_error${labels} 1\n`;
      return (
        `node_filesystem_size_bytes${labels} ${s.blocks * s.bsize}\nnode_filesystem_free_bytes${labels} ${s.bfree * s.bsize}\n` +
        `node_filesystem_avail_bytes${labels} ${s.bavail * s.bsize}\nnode_filesystem_files${labels} ${s.files}\nnode_filesystem_files_free${labels} ${s.ffree}\n`
      );
    })
    .join('');
}

/** The samples grouped by family, each after its TYPE line (counters end in _total), as the format wants. */
function exposition(text: string): string {
  const families = new Map<string, string[]>();
  for (const line of text.split('\n').filter(Boolean)) {
    const name = line.slice(0, line.search(/[{ ]/));
    families.set(name, [...(families.get(name) ?? []), line]);
  }
  return [...families].map(([name, samples]) => `# TYPE ${name} ${name.endsWith('_total') ? 'counter' : 'gauge'}\n${samples.join('\n')}\n`).join('');
}

const server = createServer(async (req, res) => {
  if (req.url !== '/metrics') {
    res.writeHead(404).end();
    return;
  }
  const body = exposition(cpu() + memory() + load() + disks() + (await filesystems()) + UNAME);
  const gzip = /\bgzip\b/.test(req.headers['accept-encoding'] ?? '');
  res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8', ...(gzip && { 'Content-Encoding': 'gzip' }) });
  res.end(gzip ? gzipSync(body, { level: constants.Z_BEST_SPEED }) : body);
});
// Longer than a 15 s scrape interval, so that a scraper keeps its connection, as hostfeed should.
server.keepAliveTimeout = 90_000;
server.listen(Number(port), '127.0.0.1');
