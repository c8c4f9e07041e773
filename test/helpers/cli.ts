import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { AGENT_MAIN, agentNodeFlags } from '../../bench/agent-command';
import { HANG_GUARD_MS } from './until';

/** The built command (npm test builds first). */
export const MAIN = AGENT_MAIN;
/** `node` as the installed command runs it: with the flags of its first line. */
const NODE = [process.execPath, ...agentNodeFlags()];

export interface RunningCli {
  child: ChildProcessWithoutNullStreams;
  /** Base URL, read from the "viewer" line the agent prints. */
  url: string;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface CliOptions {
  /** `ulimit -n` of the agent: bash sets it, then execs node, so the child's PID is the agent's. */
  maxOpenFiles?: number;
  /** bash run before node, in the same process (which then execs node), e.g. mounts; under `wrapper` if given. */
  prelude?: string;
  /** A program that execs the rest, e.g. `unshare -m`: the agent (its PID too) runs under it. */
  wrapper?: string[];
  /** The agent's working directory (default: this process's). */
  cwd?: string;
  /** The command to run instead of `node dist/agent/main.js`, e.g. an installed `hostfeed`. */
  command?: string[];
}

/** Starts `hostfeed ARGS` and resolves once it prints its URL; rejects with its stderr if it exits first. */
export function startCli(args: string[], env: NodeJS.ProcessEnv = {}, { maxOpenFiles, prelude, wrapper = [], cwd, command: program = [...NODE, MAIN] }: CliOptions = {}): Promise<RunningCli> {
  const agent = [...program, ...args];
  const steps = [maxOpenFiles === undefined ? [] : [`ulimit -n ${maxOpenFiles}`], prelude === undefined ? [] : [prelude]].flat();
  const command = [...wrapper, ...(steps.length === 0 ? agent : ['bash', '-c', `${steps.join(' && ')} && exec "$@"`, 'bash', ...agent])];
  const child = spawn(command[0]!, command.slice(1), { env: { ...process.env, ...env }, cwd });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk) => (out += chunk));
  child.stderr.on('data', (chunk) => (err += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      // A guard, not a start-time budget: a start takes seconds on a loaded machine.
      reject(new Error(`no URL printed in ${HANG_GUARD_MS} ms: hung; stderr: ${err}`));
    }, HANG_GUARD_MS);
    const onData = () => {
      const match = /viewer\s+(https?:\/\/\S+?)\/\s/.exec(out);
      if (!match) return;
      clearTimeout(timer);
      child.stdout.off('data', onData);
      resolve({ child, url: match[1], stdout: () => out, stderr: () => err, exited });
    };
    child.stdout.on('data', onData);
    void exited.then(({ code }) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before printing its URL; stderr: ${err}`));
    });
  });
}

/** Runs `hostfeed ARGS` to its end. */
export function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(NODE[0]!, [...NODE.slice(1), MAIN, ...args], { env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** pino's number for `warn`: a line at this level or above on the way out means the stop was not clean. */
const WARN = 40;

/**
 * Sends `signal` and waits for the exit. `problems`: what the agent logged after the signal at warn level or above
 * (a stop that hung and was forced says so there), or any line that is not its JSON log.
 */
export async function stopCli(cli: RunningCli, signal: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null; problems: string[] }> {
  const logged = cli.stderr().length;
  cli.child.kill(signal);
  const exit = await cli.exited;
  const problems = cli
    .stderr()
    .slice(logged)
    .split('\n')
    .filter((line) => line !== '')
    .filter((line) => {
      try {
        return (JSON.parse(line) as { level: number }).level >= WARN;
      } catch {
        return true;
      }
    });
  return { ...exit, problems };
}
