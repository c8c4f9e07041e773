/** The config's `tls` section and the credentials it names, read and checked once at start. */
import { readFileSync } from 'node:fs';
import { createSecureContext, type TlsOptions } from 'node:tls';
import { z } from 'zod';
import { durationSchema } from './duration';

export const tlsConfigSchema = z
  .strictObject({
    /** PEM certificate (chain first to last) and its private key; paths relative to the working directory. */
    certFile: z.string({ error: 'expected the path of a PEM certificate' }).min(1),
    keyFile: z.string({ error: 'expected the path of a PEM private key' }).min(1),
    /** A connection that has not finished its handshake by then is closed (Node's default holds it 120 s). */
    handshakeTimeout: durationSchema('1m').prefault('10s'),
  })
  .optional();

export type TlsConfig = NonNullable<z.output<typeof tlsConfigSchema>>;

/**
 * What https.createServer needs beside the HTTP limits: TLS 1.0 and 1.1 are refused whatever Node's defaults say, and
 * a client that connects and stays silent is let go after the handshake timeout.
 */
export type TlsCredentials = Pick<TlsOptions, 'cert' | 'key' | 'minVersion' | 'handshakeTimeout'>;

function readPem(key: 'certFile' | 'keyFile', path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new Error(`tls.${key}: cannot read ${JSON.stringify(path)}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/**
 * Errors are single lines naming the key and the file, with no errno `code` of their own: the command prints them
 * as they are.
 */
export function readTlsCredentials(tls: TlsConfig): TlsCredentials {
  const credentials: TlsCredentials = {
    cert: readPem('certFile', tls.certFile),
    key: readPem('keyFile', tls.keyFile),
    minVersion: 'TLSv1.2',
    handshakeTimeout: tls.handshakeTimeout,
  };
  try {
    // Parses both and checks that the key is the certificate's: a mistake shows now, not at the first handshake.
    createSecureContext(credentials);
  } catch (err) {
    throw new Error(`tls: ${JSON.stringify(tls.certFile)} and ${JSON.stringify(tls.keyFile)} are not a usable certificate and key: ${(err as Error).message}`);
  }
  return credentials;
}
