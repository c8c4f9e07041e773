/**
 * jest globalSetup: the e2e suites drive real programs from Debian's packages. Install the missing ones once, before
 * any worker starts (two workers running apt-get at once would fight over dpkg's lock). Where they cannot be
 * installed (not root, no apt), say why; the suites that need them then fail with that reason.
 */
import { execFileSync } from 'node:child_process';
import { REQUIRED_PROGRAMS, missingPrograms } from '../helpers/programs';

/** Another apt (an unattended upgrade) may hold dpkg's lock: wait up to 5 minutes for it rather than fail. */
const WAIT_FOR_LOCK = ['-o', 'DPkg::Lock::Timeout=300'];

export default function installDebianPackages(): void {
  const missing = missingPrograms(REQUIRED_PROGRAMS);
  if (missing.length === 0) return;
  const packages = [...new Set(missing.map((program) => program.debianPackage))];
  if (process.getuid?.() !== 0) {
    process.stdout.write(`\nhostfeed tests: missing ${packages.join(', ')}; not root, so not installing them (run: sudo apt-get install ${packages.join(' ')})\n`);
    return;
  }
  process.stdout.write(`\nhostfeed tests: installing Debian packages ${packages.join(', ')}\n`);
  try {
    execFileSync('apt-get', [...WAIT_FOR_LOCK, 'update', '-q'], { stdio: 'ignore' });
    execFileSync('apt-get', [...WAIT_FOR_LOCK, 'install', '-y', '-q', '--no-install-recommends', ...packages], {
      stdio: 'ignore',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  } catch (err) {
    process.stdout.write(`hostfeed tests: apt-get install failed: ${(err as Error).message.split('\n')[0]}\n`);
  }
}
