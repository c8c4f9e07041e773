import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { descendantsOf, isRunning } from './procstat';

/** A free loopback port (the kernel picks it; another process could take it before us, which a bench can live with). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Polls `url` until it answers 200. */
export async function waitForUrl(url: string, deadlineMs = 15_000): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer within ${deadlineMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Starts a program whose output is kept for error reports; ended by PID with stopProcess. */
export function startProcess(command: string, args: string[], env: NodeJS.ProcessEnv = {}): { child: ChildProcess; output: () => string } {
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  return { child, output: () => output };
}

export function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/**
 * Ends a process and what it started: the process first (an agent ends its own plugins), then, by PID, whatever of
 * its tree as it was is still alive, with SIGTERM and after a grace SIGKILL.
 */
export async function stopProcessTree(child: ChildProcess): Promise<void> {
  const tree = child.pid === undefined ? [] : descendantsOf(child.pid);
  await stopProcess(child);
  const alive = () => tree.filter(isRunning);
  for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
    for (const pid of alive()) {
      try {
        process.kill(pid, signal);
      } catch {
        // ended since
      }
    }
    for (const deadline = Date.now() + 5000; alive().length > 0 && Date.now() < deadline; ) await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
