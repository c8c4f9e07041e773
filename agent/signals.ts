/**
 * Signals besides SIGINT and SIGTERM (main.ts stops on those), each logged and otherwise ignored. Without a listener,
 * SIGHUP and SIGUSR2 would end the process silently, and SIGUSR1 would open Node's inspector on 127.0.0.1:9229 with
 * no auth, for any local user to run code in the agent: a listener replaces that default (Node 20 has no
 * --disable-sigusr1). Importing this module installs the listeners: main.ts imports it first, so that they are in
 * place before the other modules load, which can take seconds on a busy host.
 */
import { createLogger } from './logger';

const logger = createLogger();

const IGNORED: Record<string, string> = {
  SIGHUP: 'SIGHUP ignored: hostfeed reads its config only at start; restart it to apply a change',
  SIGUSR1: 'SIGUSR1 ignored: the inspector cannot be opened by a signal (start node with --inspect to debug)',
  SIGUSR2: 'SIGUSR2 ignored: hostfeed has no use for it',
};

for (const [signal, message] of Object.entries(IGNORED)) process.on(signal, () => logger.warn({ signal }, message));
