/** A throwaway self-signed certificate for 127.0.0.1, made by openssl (Node 20's crypto cannot write X.509). */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROGRAMS, requireProgram } from './programs';

export interface TestCertificate {
  certFile: string;
  keyFile: string;
  /** The certificate itself: clients trust it as their only CA. */
  ca: Buffer;
}

/** Writes cert.pem and key.pem (P-256, valid 2 days, subjectAltName IP:127.0.0.1) into `dir`. */
export function makeTestCertificate(dir: string): TestCertificate {
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  const args = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2', '-subj', '/CN=hostfeed test'];
  execFileSync(requireProgram(PROGRAMS.openssl), ['req', '-x509', ...args, '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', keyFile, '-out', certFile], {
    stdio: 'ignore',
  });
  return { certFile, keyFile, ca: readFileSync(certFile) };
}
