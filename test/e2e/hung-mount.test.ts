/**
 * Filesystems that never answer, for real: four FUSE mounts whose "daemon" holds /dev/fuse open and never reads it, so
 * the kernel's statfs on them waits forever (as on a dead hard NFS mount). They live in a private mount namespace
 * (`unshare -m`) and the agent runs inside it. The viewer, /metrics and /healthz must keep answering, the mounts must
 * be reported with node_exporter's device_error, and SIGTERM must end the process. Needs root and /dev/fuse.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCli, type RunningCli } from '../helpers/cli';
import { until } from '../helpers/until';
import { parseExposition } from '../helpers/exposition';
import { closeAfterEach, isEvent, type ReceivedEvent } from '../helpers/sse-stream';

const HUNG_MOUNTS = 4;
const missing = process.getuid?.() !== 0 ? 'not root' : !existsSync('/dev/fuse') ? 'no /dev/fuse' : undefined;
if (missing) process.stdout.write(`hung-mount e2e skipped: ${missing} (it mounts FUSE filesystems in a private namespace)\n`);
const describeWithFuse = missing ? describe.skip : describe;

/**
 * bash, in the namespace: each mount gets its own /dev/fuse connection (fd 3, 4, ...), mounted with mount(2) directly
 * (-i: no mount.fuse helper). `sleep` inherits the descriptors and never reads them: the daemon that never answers,
 * not even FUSE_INIT. The shell closes its copies before it execs the agent.
 */
function hangingMounts(dir: string): string {
  const fds = Array.from({ length: HUNG_MOUNTS }, (_, i) => i + 3);
  return [
    'set -e',
    // Without a PID namespace /proc/1 is the host's init, whose mount table the agent prefers: hide it (as hidepid
    // does), so that the agent reads its own, the namespace's.
    `mkdir ${dir}/empty && mount --bind ${dir}/empty /proc/1`,
    // The kernel's count of requests each FUSE connection has waiting: the test reads it through /proc/PID/root.
    'mount -t fusectl none /sys/fs/fuse/connections',
    ...fds.map((fd, i) => `exec ${fd}<>/dev/fuse; mount -i -t fuse.hung -o fd=${fd},rootmode=40000,user_id=0,group_id=0 hung ${dir}/m${i + 1}`),
    'sleep infinity & echo "fuse-daemon $!"',
    `exec ${fds.map((fd) => `${fd}>&-`).join(' ')}`,
  ].join('\n');
}

/**
 * Requests waiting on each hung mount's FUSE connection, as the kernel counts them (fusectl's `waiting`): FUSE_INIT,
 * never answered, and one per statfs blocked. The connection is named by the mount's minor device number.
 */
function waitingRequests(pid: number, mountpoints: string[]): number[] {
  const mountinfo = readFileSync(`/proc/${pid}/mountinfo`, 'utf8').split('\n');
  return mountpoints.map((mountpoint) => {
    const minor = mountinfo.map((line) => line.split(' ')).find((fields) => fields[4] === mountpoint)![2]!.split(':')[1];
    return Number(readFileSync(`/proc/${pid}/root/sys/fs/fuse/connections/${minor}/waiting`, 'utf8'));
  });
}

describeWithFuse('mounts whose statfs never returns (FUSE, no daemon answering)', () => {
  const { open } = closeAfterEach();
  const dir = mkdtempSync(join(tmpdir(), 'hostfeed-hung-'));
  const mountpoints = Array.from({ length: HUNG_MOUNTS }, (_, i) => join(dir, `m${i + 1}`));
  let cli: RunningCli | undefined;
  let daemon: number | undefined;

  beforeAll(async () => {
    for (const mountpoint of mountpoints) mkdirSync(mountpoint);
    const config = join(dir, 'agent.config.json');
    writeFileSync(config, JSON.stringify({ port: 0, collectors: { disk: { interval: '1s', timeout: '10s', mountTimeout: '1s' } } }));
    cli = await startCli(['--config', config], {}, { wrapper: ['unshare', '-m', '--propagation', 'private'], prelude: hangingMounts(dir) });
    daemon = Number(/^fuse-daemon (\d+)$/m.exec(cli.stdout())![1]);
  });

  afterAll(() => {
    if (cli?.child.exitCode === null && cli.child.signalCode === null) cli.child.kill('SIGKILL');
    // The daemon's end aborts the FUSE connections, and the namespace goes with its last process.
    if (daemon) process.kill(daemon, 'SIGKILL');
  });

  it('reports each with device_error, keeps the viewer, /metrics and /healthz answering, and exits on SIGTERM', async () => {
    const url = cli!.url;
    const stream = await open(`${url}/events?topics=disk`);
    const errors = (data: string) => {
      const { filesystems } = JSON.parse(data) as { filesystems: { mountpoint: string; error?: string }[] };
      return ['/', ...mountpoints].map((mountpoint) => filesystems.find((fs) => fs.mountpoint === mountpoint)?.error);
    };
    // The healthy mounts are read meanwhile: the root filesystem beside the four stuck ones.
    const [first] = (await stream.waitFor(
      (item) => isEvent('disk')(item) && errors(item.data).every((error, i) => (i === 0) === (error === undefined)),
      1,
      20_000,
    )) as ReceivedEvent[];
    if (!first) throw new Error('no disk event'); // for the type checker: waitFor resolves with one at least
    expect(errors(first.data)).toEqual([undefined, ...mountpoints.map(() => 'mountpoint timeout')]);

    // Samples go on, and a stuck mount is not statted again: one statfs each (beside FUSE_INIT) waits in the kernel.
    const count = stream.events('disk').length;
    await stream.waitFor(isEvent('disk'), count + 3);
    expect(waitingRequests(cli!.child.pid!, mountpoints)).toEqual(mountpoints.map(() => 2));

    const metrics = await fetch(`${url}/metrics`);
    expect(metrics.status).toBe(200);
    const deviceError = parseExposition(await metrics.text()).get('node_filesystem_device_error')!.samples;
    for (const mountpoint of mountpoints) {
      expect(deviceError.find((s) => s.labels.mountpoint === mountpoint)).toMatchObject({ labels: { device_error: 'mountpoint timeout' }, value: 1 });
    }
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    const viewer = await fetch(`${url}/`);
    expect(viewer.status).toBe(200);
    expect(await viewer.text()).toContain('<html');

    cli!.child.kill('SIGTERM');
    let hang: NodeJS.Timeout | undefined;
    const exit = await Promise.race([
      cli!.exited,
      new Promise((resolve) => (hang = setTimeout(resolve, 20_000, 'still running 20 s after SIGTERM'))),
    ]);
    clearTimeout(hang);
    // process.exit() would wait forever for the threads blocked in the kernel: the stop is forced, and says so.
    expect(exit).toEqual({ code: null, signal: 'SIGKILL' });
    // The pipe may still hold the last lines when 'exit' comes.
    await until('the forced exit logged', async () => cli!.stderr(), (stderr) => stderr.includes('forced exit'));
  });
});
