import type pg from 'pg';
import { formatDuration } from '../ops/duration.js';
import { windowStats, type Spread, type WindowStats } from './samples.js';
import { latestVerification, type LatestVerification } from './verification.js';

/** open: reads may flip (exit 0); closed: they must not, with reasons (1); undecided: cannot tell (2). */
export type GateDecision = 'open' | 'closed' | 'undecided';

export interface GateOptions {
  now: number;
  windowMs: number;
  maxLagMs: number;
  /** Longest stretch without a sample that still counts as watched (a few sampling intervals). */
  toleranceMs: number;
}

export interface GateCollection {
  collection: string;
  decision: GateDecision;
  samples: number;
  endToEndLagMs: Spread | null;
  overBound: number;
  unknown: number;
  reasons: string[];
}

export interface GateResult {
  decision: GateDecision;
  exitCode: 0 | 1 | 2;
  evaluatedAt: string;
  windowStart: string;
  windowMs: number;
  maxLagMs: number;
  collections: GateCollection[];
  verification: LatestVerification;
  /** Every reason the gate is not open, collection ones first. */
  reasons: string[];
}

const EXIT: Record<GateDecision, 0 | 1 | 2> = { open: 0, closed: 1, undecided: 2 };
const at = (ms: number) => new Date(ms).toISOString();

/** Reads the window's lag samples and the latest verification, then decides. */
export async function decideGate(db: Pick<pg.Pool, 'query'>, groupId: string, collections: string[], opts: GateOptions): Promise<GateResult> {
  const from = opts.now - opts.windowMs;
  const [stats, verification] = await Promise.all([windowStats(db, groupId, from, opts.now, opts.maxLagMs), latestVerification(db)]);
  return evaluateGate(collections, stats, verification, opts);
}

/**
 * Open only if every collection was sampled throughout the window, every sample's
 * end-to-end lag was known and within the bound, and the latest verification is
 * clean and finished inside the window. A definite "no" wins over "cannot tell".
 */
export function evaluateGate(
  collections: string[],
  stats: Map<string, WindowStats>,
  verification: LatestVerification,
  opts: GateOptions,
): GateResult {
  const from = opts.now - opts.windowMs;
  const perCollection = collections.map((c) => judgeCollection(c, stats.get(c), from, opts));
  const v = judgeVerification(verification, from);
  const decisions = [...perCollection.map((c) => c.decision), v.decision];
  if (collections.length === 0) decisions.push('undecided');
  const decision: GateDecision = decisions.includes('closed') ? 'closed' : decisions.includes('undecided') ? 'undecided' : 'open';
  const reasons = [...perCollection.flatMap((c) => c.reasons), ...v.reasons];
  if (collections.length === 0) reasons.push('no collections are configured');
  return {
    decision,
    exitCode: EXIT[decision],
    evaluatedAt: at(opts.now),
    windowStart: at(from),
    windowMs: opts.windowMs,
    maxLagMs: opts.maxLagMs,
    collections: perCollection,
    verification,
    reasons,
  };
}

function judgeCollection(collection: string, s: WindowStats | undefined, from: number, opts: GateOptions): GateCollection {
  const window = formatDuration(opts.windowMs);
  if (!s) {
    const reasons = [`${collection}: no lag samples in the last ${window} (is tidemark status running?)`];
    return { collection, decision: 'undecided', samples: 0, endToEndLagMs: null, overBound: 0, unknown: 0, reasons };
  }
  const closed: string[] = [];
  const undecided: string[] = [];
  if (s.unknown > 0) {
    closed.push(
      `${collection}: end-to-end lag unknown in ${s.unknown} of ${s.samples} samples (one at ${at(s.worstAtMs)}): ` +
        'no source position yet, or records waiting where nothing was applied',
    );
  }
  if (s.overBound > 0) {
    closed.push(
      `${collection}: end-to-end lag reached ${formatDuration(s.endToEndLagMs.max ?? 0)} at ${at(s.worstAtMs)}, over the ` +
        `${formatDuration(opts.maxLagMs)} bound (${s.overBound} of ${s.samples} samples over)`,
    );
  }
  if (s.firstMs - from > opts.toleranceMs) {
    undecided.push(`${collection}: samples cover only the last ${formatDuration(opts.now - s.firstMs)} of the ${window} window`);
  }
  if (s.maxGapMs > opts.toleranceMs) {
    undecided.push(`${collection}: no samples for ${formatDuration(s.maxGapMs)} inside the window; lag then is unknown`);
  }
  if (opts.now - s.lastMs > opts.toleranceMs) {
    undecided.push(`${collection}: the newest sample is ${formatDuration(opts.now - s.lastMs)} old (is tidemark status running?)`);
  }
  const decision: GateDecision = closed.length > 0 ? 'closed' : undecided.length > 0 ? 'undecided' : 'open';
  return {
    collection,
    decision,
    samples: s.samples,
    endToEndLagMs: s.endToEndLagMs,
    overBound: s.overBound,
    unknown: s.unknown,
    reasons: [...closed, ...undecided],
  };
}

function judgeVerification(v: LatestVerification, from: number): { decision: GateDecision; reasons: string[] } {
  if (v === 'not-installed') {
    return { decision: 'undecided', reasons: ['verification: tidemark_verifications does not exist (apply the migrations: tidemark schema apply)'] };
  }
  if (v === null) return { decision: 'closed', reasons: ['verification: none has finished yet (run tidemark verify)'] };
  const which = `latest verification ${v.id} (finished ${v.finishedAt})`;
  if (v.couldNotVerify) return { decision: 'closed', reasons: [`${which} could not verify`] };
  if (!v.clean) {
    const found = v.differences === null ? 'found differences' : `found ${v.differences} difference(s)`;
    return { decision: 'closed', reasons: [`${which} ${found}`] };
  }
  if (Date.parse(v.finishedAt) < from) {
    return { decision: 'closed', reasons: [`${which} is older than the window (began ${at(from)}): run tidemark verify again`] };
  }
  return { decision: 'open', reasons: [] };
}
