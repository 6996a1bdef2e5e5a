// The contract every stage probe follows, so one runner can alternate ceiling and
// tidemark (A B A B …), take medians and print ratios side by side in one run.

/** One timed run of one side of a probe. */
export interface Measurement {
  /** Events (rows, records, documents) the run handled. */
  events: number;
  /** Wall time of the measured part only, in seconds. */
  seconds: number;
  /** CPU seconds (utime+stime) per process role during the run, from /proc (see cpu.ts). */
  cpu?: Record<string, number>;
  /** Further figures of this run (µs per event, latency percentiles, bytes), by name. */
  extra?: Record<string, number>;
}

export type Higher = 'rate' | 'latency';

/** A pair of ways to do the same work: the bare ceiling (A) and tidemark (B). */
export interface PairedProbe {
  /** Short id, e.g. 'sink-copy'. */
  id: string;
  /** What the ratio means, e.g. 'sink COPY phase ÷ psql \\copy of the same rows'. */
  ratio: string;
  /** Target the ratio B/A (rates) must reach, if the issue sets one. */
  target?: number;
  /** Names of the two sides as printed. */
  a: string;
  b: string;
  /** Runs once before the pairs (create tables, topics, produce the input). */
  setup(): Promise<void>;
  /** One run of the ceiling. */
  runA(): Promise<Measurement>;
  /** One run of tidemark on the same input. */
  runB(): Promise<Measurement>;
  /** Runs once after the pairs (drop what setup made). */
  teardown(): Promise<void>;
}

/** A probe that is not a ceiling/tidemark pair (latency at a load, memory over a backlog): its figures, judged against a target. */
export interface FigureProbe {
  id: string;
  /** What it measures, as printed. */
  what: string;
  setup(): Promise<void>;
  run(): Promise<Record<string, number>>;
  /** The target in words, and whether these figures meet it. */
  judge?(figures: Record<string, number>): { target: string; holds: boolean };
  teardown(): Promise<void>;
}

/** What the runner tells each probe factory. */
export interface BenchContext {
  /** `--quick`: fewer pairs and smaller inputs, the whole bench under 10 minutes. */
  quick: boolean;
  /** A/B pairs per paired probe (≥ 5). */
  pairs: number;
  /** Progress lines for the person watching. */
  log(line: string): void;
}

export type ProbeFactory = (ctx: BenchContext) => Array<PairedProbe | FigureProbe>;
