/**
 * Each test file's agents keep their history file (agent/history) in a directory of their own, as systemd's
 * StateDirectory= gives the service one: never in the working tree, never shared with another file's agents.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const dir = mkdtempSync(join(tmpdir(), 'hostfeed-state-'));
process.env.STATE_DIRECTORY = dir;
afterAll(() => rmSync(dir, { recursive: true, force: true }));
