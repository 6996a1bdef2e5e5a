// Typed errors with a stable code, a retriable flag and a cause, so callers
// classify by `code` / `instanceof`, never by message text.

export class TidemarkError extends Error {
  readonly code: string;
  readonly retriable: boolean;
  readonly context: Record<string, unknown>;

  constructor(
    code: string,
    message: string,
    opts: { retriable?: boolean; cause?: unknown; context?: Record<string, unknown> } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'TidemarkError';
    this.code = code;
    this.retriable = opts.retriable ?? false;
    this.context = opts.context ?? {};
  }
}

/** Configuration is wrong: carries every problem found, not just the first. */
export class ConfigError extends TidemarkError {
  readonly problems: string[];

  constructor(problems: string[], source: string) {
    super('TM_CONFIG', `invalid configuration (${source}):\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** A record that cannot be applied as it is: it goes to the dead-letter topic with this reason. */
export class RejectedRecord extends TidemarkError {
  constructor(reason: string, context: Record<string, unknown> = {}) {
    super('TM_REJECTED', reason, { context });
    this.name = 'RejectedRecord';
  }
}

export function describe(err: unknown): string {
  if (err instanceof Error) {
    const cause = err.cause instanceof Error ? `: ${err.cause.message}` : '';
    return `${err.message}${cause}`;
  }
  return String(err);
}
