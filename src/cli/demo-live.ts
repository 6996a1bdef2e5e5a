// `tidemark demo live`: the live mode against a database `tidemark demo seed` wrote.
import { createMongoClient } from '../ops/mongo.js';
import { generateWorkload, liveStateFrom, refreshLiveState, startLiveWorkload, type LiveRun, type LiveStats } from '../workload/index.js';
import { configFrom, parse, shutdownSignal } from './args.js';
import { startService } from './context.js';
import { LIVE_OPTIONS, WORKLOAD_OPTIONS, durationOption, rateOption, workloadOptions, noPositionals } from './demo-options.js';
import { count, liveProgress, liveSummary, say } from './demo-output.js';

export const DEFAULT_RATE = 100;

export async function runDemoLive(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { ...WORKLOAD_OPTIONS, ...LIVE_OPTIONS });
  noPositionals(positionals);
  const { purchaseRequests, seed } = workloadOptions(values);
  const rate = rateOption(values.rate, DEFAULT_RATE);
  const durationMs = durationOption(values.duration);
  const { config } = await startService(configFrom(values), 'demo', ['mongo']);
  const mongo = createMongoClient(config.mongo.url);
  await mongo.connect();
  try {
    const db = mongo.db(config.mongo.database);
    // The model is the seeded workload, brought up to date with what earlier live runs changed.
    const state = liveStateFrom(generateWorkload({ seed, purchaseRequests }));
    const found = await refreshLiveState(db, state);
    if (found === 0) {
      console.error(
        `tidemark demo live: MongoDB database '${config.mongo.database}' holds none of the documents of seed ${seed} ` +
          `with ${purchaseRequests} purchase requests; run 'tidemark demo seed' first (same --seed and --purchase-requests)`,
      );
      return 1;
    }
    say(`live mode on MongoDB database '${config.mongo.database}' at ${rate} operations/s ` +
      `${durationMs === undefined ? 'until Ctrl-C' : `for ${values.duration}`} (${count(found)} seeded documents of its model found)`);
    const run = startLiveWorkload(db, state, { rate, durationMs, seed, signal: shutdownSignal() });
    const stats = await withProgress(run, 5000, (line) => say(`live: ${line}`));
    console.log(liveSummary(stats));
    return 0;
  } finally {
    await mongo.close();
  }
}

/** Awaits the run, printing a progress line every `everyMs`. */
export async function withProgress(run: LiveRun, everyMs: number, print: (line: string) => void): Promise<LiveStats> {
  const timer = setInterval(() => print(liveProgress(run.stats())), everyMs);
  try {
    return await run.done;
  } finally {
    clearInterval(timer);
  }
}
