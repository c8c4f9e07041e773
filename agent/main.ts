#!/usr/bin/env -S node --max-semi-space-size=2
/**
 * The hostfeed command: reads the config, starts the agent, prints the URLs it serves, stops on SIGINT/SIGTERM.
 * V8's young generation is held to 2 MB semi-spaces (its default grows them to 16 MB under a burst of allocation, such
 * as 1,000 clients connecting, and keeps them): 22 MB less RSS with 1,000 SSE clients, for the same CPU at a 1 s
 * scrape. Only a command-line flag sets it (package.json's start passes the same).
 */
// First, before the modules that take long to load: SIGHUP, SIGUSR1 and SIGUSR2 are handled from here on.
import './signals';
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ConfigError, configJsonSchema, loadConfig, type ConfigOverrides } from './config';
import { startAgent } from './agent';
import { createLogger } from './logger';
import { exitHoldersEnded } from './exit-holders';
import { version } from '../package.json';

/** Read from the working directory when --config is not given, if it is there. */
const DEFAULT_CONFIG = 'agent.config.json';

const USAGE = `Usage: hostfeed [--config FILE] [--port N] [--host H]

Serves this host's CPU, memory, disk and load samples:
  /          live viewer          /metrics   Prometheus (node_exporter names)
  /events    Server-Sent Events   /healthz   readiness

Options:
  -c, --config FILE   configuration file (default: agent.config.json in the working
                      directory if there is one, else the built-in defaults)
  -p, --port N        port to listen on (overrides the file; env HOSTFEED_PORT)
  -H, --host H        address to bind (overrides the file; env HOSTFEED_HOST)
  -h, --help          print this help
  -v, --version       print the version
      --config-schema print the configuration's JSON Schema (agent.config.schema.json)

Flags win over the environment, which wins over the file.
HOSTFEED_TOKEN sets auth.token: clients then need "Authorization: Bearer <token>".`;

/** Whatever ends a start early: one plain line per problem on stderr, never a stack trace. */
function fail(lines: string[], code: number): never {
  process.stderr.write(`${lines.map((line) => `hostfeed: ${line}`).join('\n')}\n`);
  process.exit(code);
}

function parseCli(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      options: {
        config: { type: 'string', short: 'c' },
        port: { type: 'string', short: 'p' },
        host: { type: 'string', short: 'H' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
        'config-schema': { type: 'boolean' },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (err) {
    return fail([(err as Error).message, 'try --help'], 2);
  }
}

async function main(): Promise<void> {
  const args = parseCli(process.argv.slice(2));
  if (args.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (args.version) {
    process.stdout.write(`${version}\n`);
    return;
  }
  if (args['config-schema']) {
    process.stdout.write(`${JSON.stringify(configJsonSchema(), null, 2)}\n`);
    return;
  }
  const overrides: ConfigOverrides = {
    host: args.host ?? process.env.HOSTFEED_HOST,
    port: args.port ?? process.env.HOSTFEED_PORT,
    // Empty counts as unset, as an `Environment=HOSTFEED_TOKEN=` line of a unit file means.
    token: process.env.HOSTFEED_TOKEN || undefined,
  };
  // As node_exporter, the command runs without a file; a file named on the command line must exist.
  const configPath = args.config ?? (existsSync(DEFAULT_CONFIG) ? DEFAULT_CONFIG : undefined);
  let config;
  try {
    config = loadConfig(configPath, overrides);
  } catch (err) {
    if (err instanceof ConfigError) fail(err.problems, 2);
    throw err;
  }

  const logger = createLogger();
  if (configPath === undefined) logger.info({ cwd: process.cwd() }, `no --config and no ${DEFAULT_CONFIG} in the working directory: running on the built-in defaults`);
  let agent;
  try {
    agent = await startAgent(config, { logger });
  } catch (err) {
    const { code, message } = err as NodeJS.ErrnoException;
    fail([`cannot start on ${config.host}:${config.port}: ${code ?? message}`], 1);
  }
  const shutdown = (signal: NodeJS.Signals) => {
    logger.info({ signal }, 'stopping');
    // A stop that hangs must still end the process within 5 s. process.exit() would wait for a thread blocked in
    // the kernel (statfs on a dead mount), forever: SIGKILL does not, and tells the supervisor the stop failed.
    const kill = () => process.kill(process.pid, 'SIGKILL');
    setTimeout(() => {
      // The log is written synchronously (logger.ts): the line is out before the kill.
      logger.error({ signal }, 'forced exit: the stop did not end within 4.3 s (a thread blocked in the kernel?)');
      kill();
    }, 4300); // not unref'd: an empty event loop would end in the same wait as process.exit()
    void agent
      .stop()
      .then(exitHoldersEnded)
      .then(() => process.exit(0));
  };
  // Before the URLs: a supervisor that signals as soon as it reads them must not meet the default action (death).
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);

  const { url } = agent;
  logger.info({ url, source: agent.context.source, boot: agent.context.boot }, `hostfeed ${version} serving ${url}/`);
  process.stdout.write(`hostfeed ${version} on ${agent.context.inventory.hostname}\n  viewer   ${url}/\n  metrics  ${url}/metrics\n  events   ${url}/events\n`);
}

main().catch((err: unknown) => fail([`unexpected error: ${err instanceof Error ? err.message : String(err)}`], 1));
