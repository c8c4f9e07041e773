/**
 * The config's `auth` section, as exporter-toolkit's web config: off unless a bearer token or a Basic user is set.
 * Passwords are never in the file, only their bcrypt hashes.
 */
import { z } from 'zod';

/** RFC 6750's token characters; 16 at least, so that a word someone could guess is refused. */
const TOKEN = /^[A-Za-z0-9\-._~+/]{16,}=*$/;

/** bcrypt's modular crypt format as bcryptjs checks it: $2a$, $2b$ or $2y$, a cost of 04 to 31, 53 characters of salt and hash. */
const BCRYPT_HASH = /^\$2[aby]\$(0[4-9]|[12][0-9]|3[01])\$[./A-Za-z0-9]{53}$/;

const BCRYPT_EXPECTED = 'expected a bcrypt hash ("$2b$12$" then 53 characters; see docs/deploy.md), not a password';

export const authConfigSchema = z
  .strictObject({
    /** Clients send `Authorization: Bearer <token>`; HOSTFEED_TOKEN in the environment stands for it. */
    token: z
      .string({ error: 'expected a string' })
      .regex(TOKEN, { error: 'expected at least 16 characters of A-Z a-z 0-9 - . _ ~ + / (e.g. `openssl rand -hex 32`)' })
      .optional(),
    /** User name -> bcrypt hash of the password, e.g. {"prometheus": "$2b$12$..."} (see docs/deploy.md). */
    basic: z
      .record(z.string(), z.string({ error: BCRYPT_EXPECTED }).regex(BCRYPT_HASH, { error: BCRYPT_EXPECTED }), {
        error: 'expected an object of user name: bcrypt hash',
      })
      .check((ctx) => {
        for (const user of Object.keys(ctx.value)) {
          if (user.includes(':')) ctx.issues.push({ code: 'custom', path: [user], message: 'a user name cannot hold ":" (HTTP Basic cannot carry it)', input: user });
        }
      })
      .default({}),
  })
  .prefault({});

export type AuthConfig = z.output<typeof authConfigSchema>;

export function authEnabled(auth: AuthConfig): boolean {
  return auth.token !== undefined || Object.keys(auth.basic).length > 0;
}
