// The collector's logger: pino to stderr (stdout stays free for data), pretty on a terminal, JSON
// otherwise. Writes are synchronous so nothing is lost when the process exits right after logging
// (a fatal error, the shutdown summary). Components get logger.child({ component: id }).
import { pino, type Logger, type LevelWithSilent } from 'pino';
import { build as prettyStream } from 'pino-pretty';

export type LogFormat = 'auto' | 'json' | 'pretty';

export interface LoggerOptions {
  level?: LevelWithSilent;
  /** auto: pretty when the destination is a TTY, else JSON lines. */
  format?: LogFormat;
  /** Where to write: a file descriptor (default 2, stderr) or a stream (tests). */
  destination?: number | NodeJS.WritableStream;
  /** Bound to every line, e.g. the command name. */
  name?: string;
}

function isTty(destination: number | NodeJS.WritableStream): boolean {
  if (destination === 2) return process.stderr.isTTY === true;
  if (destination === 1) return process.stdout.isTTY === true;
  return typeof destination === 'object' && (destination as { isTTY?: boolean }).isTTY === true;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const destination = options.destination ?? 2;
  const format = options.format ?? 'auto';
  const pretty = format === 'pretty' || (format === 'auto' && isTty(destination));
  const base = { level: options.level ?? 'info', name: options.name, base: { pid: process.pid } };
  if (pretty) {
    const stream = prettyStream({
      destination: destination as number | NodeJS.WritableStream,
      sync: true,
      colorize: isTty(destination),
      ignore: 'pid,hostname',
      translateTime: 'SYS:HH:MM:ss.l',
    });
    return pino(base, stream);
  }
  const stream = typeof destination === 'number' ? pino.destination({ fd: destination, sync: true }) : destination;
  return pino(base, stream);
}
