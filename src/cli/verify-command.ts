import type { Command } from './commands.js';

// The verifier is built in its own issue (lag-aware checks, exit codes 0/1/2).
// Until then it must never look green: it exits 2, "could not verify".
export const verifyCommand: Command = {
  summary: 'Compare MongoDB and PostgreSQL, lag-aware (exit 0 clean, 1 differences, 2 could not verify). Not built yet: exits 2.',
  usage: 'tidemark verify [--config <file>] [--json]',
  async run() {
    console.error('tidemark verify: the verifier is not built yet; nothing was verified (exit 2)');
    return 2;
  },
};
