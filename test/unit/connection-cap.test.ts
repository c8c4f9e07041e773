import { execFileSync } from 'node:child_process';
import { createServer } from 'node:net';
import { capConnections, openFileLimit } from '../../agent/connection-cap';
import { silentLogger } from '../../agent/logger';

describe('the open-file limit', () => {
  it('is read from /proc/<pid>/limits as the shell set it', () => {
    const limits = execFileSync('bash', ['-c', 'ulimit -Sn 100 && cat /proc/self/limits'], { encoding: 'utf8' });
    expect(openFileLimit(limits)).toBe(100);
    expect(openFileLimit('Limit  Soft Limit  Hard Limit  Units\nMax open files  unlimited  unlimited  files\n')).toBeUndefined();
  });

  it('is said at start when server.maxConnections leaves the agent no room under it', () => {
    const server = createServer();
    const logger = silentLogger();
    const warn = jest.spyOn(logger, 'warn');
    capConnections(server, 10_240, logger, undefined, 1024);
    expect(server.maxConnections).toBe(10_240);
    expect(warn).toHaveBeenCalledWith({ maxConnections: 10_240, openFileLimit: 1024 }, expect.stringContaining('raise LimitNOFILE or lower server.maxConnections'));
    warn.mockClear();
    capConnections(server, 10_240, logger, undefined, 524_288);
    expect(warn).not.toHaveBeenCalled();
  });
});
