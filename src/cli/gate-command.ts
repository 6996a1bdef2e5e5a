import type { Command } from './commands.js';

// The gate depends on the verifier; until both exist it refuses, never passes.
export const gateCommand: Command = {
  summary: 'Cutover gate: exit 0 only if lag stayed under --max-lag for --window and the last verification is clean. Not built yet: exits 2.',
  usage: 'tidemark gate --max-lag <duration> --window <duration> [--config <file>]',
  async run() {
    console.error('tidemark gate: the gate is not built yet; reads must not flip (exit 2)');
    return 2;
  },
};
