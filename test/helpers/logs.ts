/** A logger whose lines the test reads back, as JSON objects, as they would reach stderr. */
import pino from 'pino';
import type { Logger } from '../../agent/logger';

export interface LogLine {
  level: number;
  msg: string;
  [field: string]: unknown;
}

export function capturingLogger(level = 'warn'): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const logger = pino({ level }, { write: (line: string) => lines.push(JSON.parse(line) as LogLine) });
  return { logger, lines };
}
