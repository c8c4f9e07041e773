import { accessSync, constants } from 'node:fs';
import programs from '../programs.json';

/** A program from a Debian package that some suites run for real. */
export interface Program {
  path: string;
  debianPackage: string;
}

/**
 * Each program and the Debian package that has it; .ci/run reads the same file. openssl makes the TLS tests'
 * throwaway certificate (Node 20's crypto cannot write X.509).
 */
export const PROGRAMS = programs satisfies Record<string, Program>;

export const REQUIRED_PROGRAMS: Program[] = Object.values(PROGRAMS);

function runnable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function missingPrograms(programs: Program[]): Program[] {
  return programs.filter((program) => !runnable(program.path));
}

/** The program's path, or an error that says how to get it (CI's .ci/run and jest's setup install it as root). */
export function requireProgram(program: Program): string {
  if (!runnable(program.path)) {
    throw new Error(
      `${program.path} is missing: install the Debian package ${program.debianPackage} (.ci/run installs it; so does npm test when run as root)`,
    );
  }
  return program.path;
}
