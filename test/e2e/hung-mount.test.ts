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
    ...fds.map((fd, i) => `exec ${fd}<>/dev/fuse; mount -i -t fuse.hung -o fd=${fd},rootmode=40000,user_id=0,group_id=0 hung ${dir}/m${i + 1}`),
    'sleep infinity & echo "fuse-daemon $!"',
    `exec ${fds.map((fd) => `${fd}>&-`).join(' ')}`,
  ].join('\n');
}

const threadsOf = (pid: number) => Number(/^Threads:\s+(\d+)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);

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
    cli = await startCli(['--config', config], {}, 20_000, { wrapper: ['unshare', '-m', '--propagation', 'private'], prelude: hangingMounts(dir) });
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
    const stuck = (data: string) => {
      const { filesystems } = JSON.parse(data) as { filesystems: { mountpoint: string; error?: string }[] };
      return mountpoints.map((mountpoint) => filesystems.find((fs) => fs.mountpoint === mountpoint)?.error);
    };
    const [first] = (await stream.waitFor((item) => isEvent('disk')(item) && stuck(item.data).every((error) => error !== undefined), 1, 20_000)) as ReceivedEvent[];
    if (!first) throw new Error('no disk event'); // for the type checker: waitFor resolves with one at least
    expect(stuck(first.data)).toEqual(mountpoints.map(() => 'mountpoint timeout'));
    // The healthy mounts are read meanwhile: the root filesystem is never in error.
    expect(JSON.parse(first.data).filesystems.find((fs: { mountpoint: string }) => fs.mountpoint === '/')).not.toHaveProperty('error');

    // Samples go on, and the stuck mounts are not statted again: the thread count stays put.
    const pid = cli!.child.pid!;
    const threads = threadsOf(pid);
    const count = stream.events('disk').length;
    await stream.waitFor(isEvent('disk'), count + 3);
    expect(threadsOf(pid)).toBe(threads);

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
    expect(cli!.stderr()).toContain('forced exit');
  });
});
