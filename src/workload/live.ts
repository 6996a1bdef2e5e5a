// The live mode: mutates a seeded MongoDB database at a steady rate with a bounded
// number of operations in flight, the way Amanat's services do (status machines,
// duplicate webhooks, new deals, deletes, chat messages, an occasional bad write).
// Plain single-document writes, no transactions (the local Mongo server has none).
// Which operations run is seeded (live-plan.ts); how they interleave is not.

import { setTimeout as sleep } from 'node:timers/promises';
import type { Db } from 'mongodb';
import { TidemarkError } from '../ops/errors.js';
import { LIVE_KINDS, LivePlanner, type LiveKind, type LiveOp, type LiveWrite, type RejectedUpdate } from './live-plan.js';
import type { LiveState } from './live-state.js';

export interface LiveOptions {
  /** Operations started per second (steady; no catch-up bursts after a stall). */
  rate: number;
  /** Stop after this long; without it, only `signal` stops the run. */
  durationMs?: number;
  signal?: AbortSignal;
  seed: number;
  /** Operations started but not finished, at most (default 128). */
  maxInFlight?: number;
  now?: () => Date;
}

export interface LiveStats {
  /** Operations started and finished. */
  started: number;
  finished: number;
  /** Operations applied (finished and not skipped), by kind. */
  byKind: Record<LiveKind, number>;
  /** Guarded transitions that found the document already moved on (a model older than the database). */
  skipped: number;
  writes: { insertOne: number; updateOne: number; deleteOne: number };
  /** The deliberate hard cases: changes the sink must reject, keeping the last valid version. */
  rejectedUpdates: RejectedUpdate[];
  elapsedMs: number;
  /** Most operations in flight at once. */
  peakInFlight: number;
}

export interface LiveRun {
  /** A snapshot of what was done so far. */
  stats(): LiveStats;
  /** Settles when the run has stopped and every started operation finished. */
  done: Promise<LiveStats>;
}

export function runLiveWorkload(db: Db, state: LiveState, opts: LiveOptions): Promise<LiveStats> {
  return startLiveWorkload(db, state, opts).done;
}

export function startLiveWorkload(db: Db, state: LiveState, opts: LiveOptions): LiveRun {
  if (!(opts.rate > 0)) throw new Error(`live workload: rate must be a positive number of operations per second, got ${opts.rate}`);
  const planner = new LivePlanner(state, opts.seed, opts.now);
  const stats: LiveStats = {
    started: 0, finished: 0, byKind: Object.fromEntries(LIVE_KINDS.map((k) => [k, 0])) as Record<LiveKind, number>,
    skipped: 0, writes: { insertOne: 0, updateOne: 0, deleteOne: 0 }, rejectedUpdates: [], elapsedMs: 0, peakInFlight: 0,
  };
  const begun = performance.now();
  const snapshot = (): LiveStats => ({
    ...stats, byKind: { ...stats.byKind }, writes: { ...stats.writes }, rejectedUpdates: [...stats.rejectedUpdates],
    elapsedMs: Math.round(performance.now() - begun),
  });
  const done = run(db, planner, opts, stats).then(snapshot);
  return { stats: snapshot, done };
}

const CATCH_UP_MS = 100;

async function run(db: Db, planner: LivePlanner, opts: LiveOptions, stats: LiveStats): Promise<void> {
  const maxInFlight = opts.maxInFlight ?? 128;
  const interval = 1000 / opts.rate;
  const stop = new AbortController();
  const stopRun = () => stop.abort();
  opts.signal?.addEventListener('abort', stopRun, { once: true });
  const timer = opts.durationMs === undefined ? undefined : setTimeout(stopRun, opts.durationMs);
  const inFlight = new Set<Promise<void>>();
  /** The last operation per document key: one that shares a key waits for it. */
  const tails = new Map<string, Promise<void>>();
  let failure: unknown;

  const issue = (op: LiveOp) => {
    const before = op.keys.map((k) => tails.get(k)).filter((p): p is Promise<void> => p !== undefined);
    const p: Promise<void> = Promise.all(before)
      .then(() => execute(db, op, stats))
      .then((applied) => {
        stats.finished += 1;
        if (!applied) return;
        stats.byKind[op.kind] += 1;
        if (op.rejected) stats.rejectedUpdates.push(op.rejected);
      })
      .catch((err: unknown) => {
        failure ??= new TidemarkError('TM_LIVE_WRITE', `live workload: ${op.kind} on ${op.keys.join(', ')} failed`, { cause: err, context: { kind: op.kind } });
        stop.abort();
      })
      .finally(() => {
        inFlight.delete(p);
        for (const k of op.keys) if (tails.get(k) === p) tails.delete(k);
      });
    for (const k of op.keys) tails.set(k, p);
    inFlight.add(p);
    stats.started += 1;
    stats.peakInFlight = Math.max(stats.peakInFlight, inFlight.size);
  };

  try {
    let due = performance.now();
    while (!stop.signal.aborted) {
      if (inFlight.size >= maxInFlight) {
        await Promise.race(inFlight);
        continue;
      }
      const wait = due - performance.now();
      if (wait > 0) {
        await sleep(wait, undefined, { signal: stop.signal }).catch(() => undefined);
        continue;
      }
      issue(planner.next());
      // Steady: timer lateness is made up, but at most CATCH_UP_MS of it (no burst after a stall).
      due = Math.max(due + interval, performance.now() - CATCH_UP_MS);
    }
  } finally {
    if (timer) clearTimeout(timer);
    opts.signal?.removeEventListener('abort', stopRun);
    await Promise.allSettled([...inFlight]);
  }
  if (failure) throw failure;
}

/** Steps one after another, each step's writes at once; false when a guard ended it. */
async function execute(db: Db, op: LiveOp, stats: LiveStats): Promise<boolean> {
  for (const step of op.steps) {
    const results = await Promise.all(step.map((w) => write(db, w, stats)));
    const guarded = step.map((w, i) => [w, results[i]!] as const).filter(([w]) => w.op === 'updateOne' && w.guard);
    if (guarded.length > 0 && guarded.every(([, matched]) => matched === 0)) {
      stats.skipped += 1;
      return false;
    }
  }
  return true;
}

/** One write; returns the number of documents it matched. */
async function write(db: Db, w: LiveWrite, stats: LiveStats): Promise<number> {
  const collection = db.collection(w.collection);
  stats.writes[w.op] += 1;
  switch (w.op) {
    case 'insertOne':
      await collection.insertOne(w.doc);
      return 1;
    case 'updateOne':
      return (await collection.updateOne(w.filter, w.update)).matchedCount;
    case 'deleteOne':
      return (await collection.deleteOne(w.filter)).deletedCount;
  }
}
