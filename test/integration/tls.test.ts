/**
 * https from config.tls on a real agent, with a throwaway self-signed certificate made by openssl for 127.0.0.1:
 * TLS 1.2 and 1.3 only, SSE and auth over it, the command's https URLs, and clear one-line errors for bad files.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { request, type RequestOptions } from 'node:https';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { startTestAgent, stopTestAgents } from '../helpers/agent';
import { runCli, startCli, type RunningCli } from '../helpers/cli';
import { PROGRAMS, requireProgram } from '../helpers/programs';
import { makeTestCertificate } from '../helpers/tls-cert';

const dir = mkdtempSync(join(tmpdir(), 'hostfeed-tls-'));
const otherKeyFile = join(dir, 'other-key.pem');
const { certFile, keyFile, ca } = makeTestCertificate(dir);

beforeAll(() => {
  // A second key, that is not the certificate's.
  execFileSync(requireProgram(PROGRAMS.openssl), ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', otherKeyFile], { stdio: 'ignore' });
});
afterEach(stopTestAgents);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Answer {
  status: number;
  protocol: string | null;
  body: string;
}

/** One https request trusting only the test certificate; a stream is read until `enough` holds of its body, then cut. */
function fetchTls(url: string, options: RequestOptions = {}, enough?: (body: string) => boolean): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca, agent: false, ...options }, (res) => {
      let body = '';
      const protocol = (res.socket as TLSSocket).getProtocol();
      const done = () => resolve({ status: res.statusCode ?? 0, protocol, body });
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
        if (enough?.(body)) {
          done();
          req.destroy();
        }
      });
      res.on('end', done);
      res.on('error', () => undefined);
    });
    req.on('error', reject);
    req.end();
  });
}

const TLS = { tls: { certFile, keyFile } };

describe('https', () => {
  it('serves the configured certificate with TLS 1.2 and 1.3', async () => {
    const agent = await startTestAgent(TLS);
    expect(agent.url).toBe(`https://127.0.0.1:${agent.port}`);
    for (const version of ['TLSv1.2', 'TLSv1.3'] as const) {
      const answer = await fetchTls(`${agent.url}/api/schema`, { minVersion: version, maxVersion: version });
      expect(answer).toMatchObject({ status: 200, protocol: version });
    }
  });

  it.each(['TLSv1', 'TLSv1.1'] as const)('refuses a client that offers at most %s', async (version) => {
    const agent = await startTestAgent(TLS);
    // SECLEVEL=0 lets this client offer the old versions, which OpenSSL 3 would otherwise refuse on its own.
    const old = fetchTls(`${agent.url}/api/schema`, { minVersion: 'TLSv1', maxVersion: version, ciphers: 'DEFAULT@SECLEVEL=0' });
    await expect(old).rejects.toThrow(/protocol version|unsupported protocol/);
    expect((await fetchTls(`${agent.url}/api/schema`)).status).toBe(200);
  });

  it('carries the SSE stream and auth', async () => {
    const token = 'tls-and-a-bearer-token';
    const agent = await startTestAgent({ ...TLS, auth: { token } });
    expect((await fetchTls(`${agent.url}/events`)).status).toBe(401);
    const headers = { Accept: 'text/event-stream', Authorization: `Bearer ${token}` };
    const stream = await fetchTls(`${agent.url}/events`, { headers }, (body) => body.includes('event: cpu\n'));
    expect(stream.status).toBe(200);
    expect(stream.body).toMatch(/^retry: \d+\n\nevent: hello\n/);
    expect(stream.body).toContain('event: cpu\n');
  });

  it('closes a connection that starts no handshake once tls.handshakeTimeout has passed', async () => {
    const agent = await startTestAgent({ tls: { certFile, keyFile, handshakeTimeout: '200ms' } });
    const silent = connect(agent.port, '127.0.0.1');
    silent.on('error', () => undefined);
    const closed = new Promise<boolean>((resolve) => silent.once('close', () => resolve(true)));
    // Bounded by the test's own timeout: without the setting, Node holds the socket 120 s.
    expect(await closed).toBe(true);
    expect(silent.bytesWritten).toBe(0);
    expect((await fetchTls(`${agent.url}/api/schema`)).status).toBe(200);
  });

  it('gives a plain-http client nothing and goes on serving', async () => {
    const agent = await startTestAgent(TLS);
    const plain = new Promise((resolve, reject) => httpGet(`http://127.0.0.1:${agent.port}/healthz`, resolve).on('error', reject));
    await expect(plain).rejects.toThrow();
    expect((await fetchTls(`${agent.url}/api/schema`)).status).toBe(200);
  });
});

describe('the command with tls', () => {
  const configFile = (name: string, tls: unknown) => {
    const path = join(dir, name);
    writeFileSync(path, JSON.stringify({ port: 0, tls }));
    return path;
  };
  let cli: RunningCli | undefined;
  afterEach(() => {
    if (cli?.child.exitCode === null) cli.child.kill('SIGKILL');
  });

  it('prints https URLs', async () => {
    cli = await startCli(['--config', configFile('ok.json', { certFile, keyFile })]);
    expect(cli.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(cli.stdout()).toContain(`metrics  ${cli.url}/metrics\n`);
    expect((await fetchTls(`${cli.url}/api/schema`)).status).toBe(200);
  });

  const missing = join(dir, 'missing.pem');
  const directory = join(dir, 'a-directory');
  mkdirSync(directory);
  it.each([
    ['a missing certificate', { certFile: missing, keyFile }, `tls.certFile: cannot read ${JSON.stringify(missing)}: ENOENT`],
    ['a directory for the key', { certFile, keyFile: directory }, `tls.keyFile: cannot read ${JSON.stringify(directory)}: EISDIR`],
    ['a key that is not the certificate\'s', { certFile, keyFile: otherKeyFile }, `tls: ${JSON.stringify(certFile)} and ${JSON.stringify(otherKeyFile)} are not a usable certificate and key: `],
    ['a key in place of the certificate', { certFile: keyFile, keyFile }, `tls: ${JSON.stringify(keyFile)} and ${JSON.stringify(keyFile)} are not a usable certificate and key: `],
  ])('stops on %s with one clear line, exit 1', async (_what, tls, line) => {
    const { code, stdout, stderr } = await runCli(['--config', configFile('bad.json', tls)]);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    const lines = stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`hostfeed: cannot start on 127.0.0.1:0: ${line}`);
    expect(stderr).not.toMatch(/\n\s+at /);
  });
});
