import type { Command } from './commands.js';
import { runFullDemo } from './demo-full.js';
import { runDemoLive } from './demo-live.js';
import { runDemoSeed } from './demo-seed.js';

export const demoCommand: Command = {
  summary:
    'The local demo: bring the stack up, seed the whole Amanat workload (default 400 purchase requests ≈ 4,200 documents, with the\n' +
    "audit's hard cases) into MongoDB, run source and sink for every collection, show rows arriving in PostgreSQL with the\n" +
    'lag, run the live mode (--rate operations/s for --duration, default 100/s for 10s), show PostgreSQL catching up, a\n' +
    'joined sample, dead letters and parked changes, then stop cleanly. --keep keeps the live mode and replication\n' +
    'running until Ctrl-C. The demo uses its own database (amanat_demo), schema (tidemark_demo), topics and group.\n\n' +
    "'demo seed' writes the workload into the configured MongoDB database (refuses a non-empty one unless --drop;\n" +
    "exit 1); 'demo live' runs the live mode against it until --duration or Ctrl-C.",
  usage:
    'tidemark demo [--purchase-requests <n>] [--seed <n>] [--rate <ops/s>] [--duration <d>] [--keep] [--no-stack] [--config <file>]\n' +
    '       tidemark demo seed [--purchase-requests <n>] [--seed <n>] [--drop] [--config <file>]\n' +
    '       tidemark demo live [--rate <ops/s>] [--duration <d>] [--purchase-requests <n>] [--seed <n>] [--config <file>]',
  async run(argv) {
    const [sub, ...rest] = argv;
    if (sub === 'seed') return runDemoSeed(rest);
    if (sub === 'live') return runDemoLive(rest);
    return runFullDemo(argv);
  },
};
