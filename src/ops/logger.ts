import { pino, type Logger } from 'pino';

export type { Logger };

// Connection strings and secrets never reach the logs: pino redacts these paths,
// and `redactUrl` strips credentials from URLs we log on purpose.
const REDACT = [
  ...['password', 'authorization', 'secret', 'bearerToken'].flatMap((k) => [k, `*.${k}`, `*.*.${k}`]),
  // The status page's bearer token (a resume token elsewhere is no secret).
  'status.token',
  '*.status.token',
];

export function createLogger(opts: { level?: string; name?: string } = {}): Logger {
  return pino({
    name: opts.name ?? 'tidemark',
    level: opts.level ?? process.env.LOG_LEVEL ?? 'info',
    redact: { paths: REDACT, censor: '[redacted]' },
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
}

/** user:secret@host → user:***@host, so a URL can be logged for context. */
export function redactUrl(raw: string): string {
  try {
    const u = new URL(raw);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return raw.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
  }
}
