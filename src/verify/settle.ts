// Lag-aware settlement (DESIGN decision 10). A key that differed counts as a
// difference only if it still differs after the sink's applied position has passed
// the cluster time it was observed at, and MongoDB still holds the same version of
// it; a key whose document changed meanwhile is observed again. What has not passed
// by --settle-timeout is "in flight": neither equal nor different yet.

import { setTimeout as sleep } from 'node:timers/promises';
import type { Db } from 'mongodb';
import type { Logger } from '../ops/logger.js';
import { classify, parkedEntries, type Candidate } from './classify.js';
import { readDeadLetters, type DeadLetter } from './dead-letters.js';
import type { DocumentComparer, Observation } from './documents.js';
import type { Queryable } from './mirror.js';
import type { ClusterClock } from './observe.js';
import { nextOffsets, appliedOffsets, type PositionReader, type Positions, type TopicView } from './positions.js';
import { newestApplied, topicVersions, type TopicVersion } from './versions.js';
import type { KeyReport, ParkedKey, Rejection } from './report.js';
import type { HeldSnapshot } from './session.js';
import type { AvroDecoder, ChangeEnvelope } from '../envelope/index.js';
import type { Kafka } from 'kafkajs';
import { deadLetterTopicFor } from '../ops/kafka.js';

export interface Settled {
  differences: KeyReport[];
  inFlight: KeyReport[];
  parked: ParkedKey[];
  rejected: Rejection[];
  resolved: number;
}

export interface SettleContext {
  comparers: ReadonlyMap<string, DocumentComparer>;
  topics: ReadonlyMap<string, string>;
  mongo: Db;
  db: Queryable;
  kafka: Kafka;
  decoder: AvroDecoder<ChangeEnvelope>;
  positions: PositionReader;
  /** The sink's consumer group, whose stored offsets say what it applied. */
  groupId: string;
  holdSnapshot: () => Promise<HeldSnapshot>;
  clock: ClusterClock;
  chunkSize: number;
  settleTimeoutMs: number;
  parkedMaxAgeMs: number;
  log: Logger;
  pollMs?: number;
}

export const emptySettled = (): Settled => ({ differences: [], inFlight: [], parked: [], rejected: [], resolved: 0 });

/** Settles every candidate; returns the outcome per collection and the last positions seen. */
export async function settle(ctx: SettleContext, candidates: Candidate[]): Promise<{ outcomes: Map<string, Settled>; positions: Positions }> {
  const outcomes = new Map<string, Settled>([...ctx.comparers.keys()].map((c) => [c, emptySettled()]));
  const pending = new Map<string, Map<string, Candidate>>();
  for (const c of candidates) {
    if (!pending.has(c.collection)) pending.set(c.collection, new Map());
    pending.get(c.collection)!.set(c.key, c);
  }
  // Each round looks only at collections with keys waiting; the last look covers all (the report's lag).
  const targets = (only?: Map<string, Map<string, Candidate>>) =>
    [...ctx.topics].filter(([collection]) => !only || (only.get(collection)?.size ?? 0) > 0).map(([collection, topic]) => ({ collection, topic }));
  const deadline = Date.now() + ctx.settleTimeoutMs;
  await settleDeadLettered(ctx, pending, outcomes);
  let positions = await ctx.positions.read(targets(pending));
  for (let round = 1; ; round++) {
    const waiting = [...pending.values()].reduce((n, m) => n + m.size, 0);
    if (waiting === 0) break;
    const due = dueCandidates(pending, positions);
    ctx.log.debug({ round, waiting, due: due.length }, 'settling differences');
    if (due.length === 0) {
      if (Date.now() >= deadline) break;
      await sleep(ctx.pollMs ?? 500);
      positions = await ctx.positions.read(targets(pending));
      continue;
    }
    const again: Candidate[] = [];
    for (const [collection, group] of groupBy(due, (c) => c.collection)) {
      for (let i = 0; i < group.length; i += ctx.chunkSize) {
        again.push(...(await recheck(ctx, group.slice(i, i + ctx.chunkSize), pending.get(collection)!, outcomes.get(collection)!, positions)));
      }
    }
    // Documents that changed meanwhile wait for the sink again, from a reading taken after their new observation.
    if (again.length > 0) {
      const at = await ctx.clock.now();
      for (const c of again) pending.get(c.collection)!.set(c.key, { ...c, observedAt: at });
    }
    if (Date.now() >= deadline) break;
    positions = await ctx.positions.read(targets(pending));
  }
  positions = await ctx.positions.read(targets());
  for (const [collection, left] of pending) {
    for (const c of left.values()) outcomes.get(collection)!.inFlight.push({ collection, table: c.table, key: c.key, id: c.idText, problems: c.problems });
  }
  return { outcomes, positions };
}

function dueCandidates(pending: Map<string, Map<string, Candidate>>, positions: Positions): Candidate[] {
  const due: Candidate[] = [];
  for (const [collection, left] of pending) {
    for (const c of left.values()) if (positions.passed(collection, c.observedAt)) due.push(c);
  }
  return due;
}

/**
 * A key whose current MongoDB version is on the dead-letter topic is rejected for
 * good, whatever the sink's position (the same version is never applied later), so
 * a stopped sink does not turn old rejections into documents in flight.
 */
async function settleDeadLettered(ctx: SettleContext, pending: Map<string, Map<string, Candidate>>, outcomes: Map<string, Settled>): Promise<void> {
  for (const [collection, left] of pending) {
    if (left.size === 0) continue;
    const letters = await deadLettersOf(ctx, collection, [...left.values()]);
    for (const c of [...left.values()]) {
      const letter = c.idText === null ? undefined : letters.get(c.idText);
      if (letter?.fingerprint !== c.fingerprint) continue;
      left.delete(c.key);
      outcomes.get(collection)!.rejected.push({ key: c.key, id: c.idText, reason: letter.reason });
    }
  }
}

/**
 * Observes the keys again (MongoDB first, then PostgreSQL in one snapshot). Equal:
 * resolved. Same MongoDB version and still different: settled for good. Another
 * version: resolved if PostgreSQL holds exactly what the sink has applied (caughtUp),
 * otherwise observed anew, to wait for the sink again.
 */
async function recheck(ctx: SettleContext, group: Candidate[], pending: Map<string, Candidate>, out: Settled, positions: Positions): Promise<Candidate[]> {
  const collection = group[0]!.collection;
  const comparer = ctx.comparers.get(collection)!;
  const ids = group.filter((c) => c.id !== undefined).map((c) => c.id);
  const docs = ids.length === 0 ? [] : await ctx.mongo.collection(collection).find({ _id: { $in: ids as never[] } }).toArray();
  const observations = await comparer.compare(docs, group.map((c) => ({ key: c.key, id: c.id, idText: c.idText })));
  const final: Candidate[] = [];
  const changed: Array<{ before: Candidate; now: Observation }> = [];
  for (const o of observations) {
    const before = pending.get(o.key);
    if (!before) continue; // a document whose _id maps to a key not asked about cannot happen; be safe
    if (o.problems.length === 0) {
      pending.delete(o.key);
      out.resolved += 1;
    } else if (o.fingerprint === before.fingerprint) {
      pending.delete(o.key);
      final.push({ ...before, problems: o.problems });
    } else {
      changed.push({ before, now: o });
    }
  }
  const again = await caughtUp(ctx, comparer, changed, pending, out, positions.view(collection));
  if (final.length === 0) return again;
  const table = comparer.tables.mapping.table;
  const letters = await deadLettersOf(ctx, collection, final);
  const parked = await parkedEntries(ctx.db, table, final.map((c) => c.key), ctx.parkedMaxAgeMs);
  for (const c of final) {
    const outcome = classify(c, c.idText === null ? undefined : letters.get(c.idText), parked.get(c.key), ctx.parkedMaxAgeMs);
    if (outcome.status === 'difference') out.differences.push(outcome.report);
    else if (outcome.status === 'parked') out.parked.push(outcome.parked);
    else out.rejected.push(outcome.rejection);
  }
  return again;
}

/**
 * Keys whose MongoDB document changed since they were observed are resolved when
 * PostgreSQL holds exactly the newest version the sink has applied: in one PostgreSQL
 * snapshot, the sink's stored offsets and the rows, compared with that version read from
 * the topic (the version observed before when the sink applied none after it). A document
 * that changes more often than the sink's lag can only be caught equal this way. The rest
 * go again, with their new version and the sink's position now as where newer ones start.
 */
async function caughtUp(
  ctx: SettleContext,
  comparer: DocumentComparer,
  changed: Array<{ before: Candidate; now: Observation }>,
  pending: Map<string, Candidate>,
  out: Settled,
  view: TopicView,
): Promise<Candidate[]> {
  if (changed.length === 0) return [];
  const held = await ctx.holdSnapshot();
  let equal: Set<string>;
  try {
    const applied = await appliedOffsets(held.db, ctx.groupId, view.topic);
    const befores = changed.map(({ before }) => before);
    const versions = await appliedVersions(ctx, comparer, befores, view.topic, applied);
    const expected = befores.map((c) => ({ c, doc: versions.has(c.key) ? versions.get(c.key)!.doc : c.doc }));
    const observed = await comparer.compare(
      expected.flatMap(({ doc }) => (doc ? [doc] : [])),
      expected.filter(({ doc }) => !doc).map(({ c }) => ({ key: c.key, id: c.id, idText: c.idText })),
      { snapshot: held.id },
    );
    equal = new Set(observed.filter((o) => o.problems.length === 0).map((o) => o.key));
  } finally {
    await held.release();
  }
  const again: Candidate[] = [];
  for (const { before, now } of changed) {
    if (equal.has(before.key)) {
      pending.delete(before.key);
      out.resolved += 1;
    } else {
      again.push({ ...before, ...now, appliedFrom: nextOffsets(view) });
    }
  }
  return again;
}

/** Per key, the newest version on the topic since the key was observed that the sink applied (by `applied`) and did not reject. */
async function appliedVersions(
  ctx: SettleContext,
  comparer: DocumentComparer,
  candidates: readonly Candidate[],
  topic: string,
  applied: ReadonlyMap<number, bigint>,
): Promise<Map<string, TopicVersion>> {
  const named = candidates.filter((c) => c.idText !== null);
  if (named.length === 0) return new Map();
  // One read from the earliest position any of them was observed after; a partition one
  // of them has no offset for is read from its start.
  const from = new Map<number, bigint>();
  for (const p of new Set(named.flatMap((c) => [...c.appliedFrom.keys()]))) {
    const offsets = named.map((c) => c.appliedFrom.get(p));
    if (offsets.every((o) => o !== undefined)) from.set(p, offsets.reduce((a, b) => (a < b ? a : b)));
  }
  const versions = await topicVersions(ctx.kafka, ctx.decoder, topic, from, new Set(named.map((c) => c.idText!)));
  const out = new Map<string, TopicVersion>();
  for (const c of named) {
    const since = (versions.get(c.idText!) ?? []).filter((v) => v.offset >= (c.appliedFrom.get(v.partition) ?? 0n));
    // A version the sink dead-lettered was never applied: PostgreSQL holds the one before.
    const newest = newestApplied(since.filter((v) => v.doc === null || comparer.accepts(v.doc)), applied);
    if (newest) out.set(c.key, newest);
  }
  return out;
}

/** Read after the position passed: the sink sends dead letters before it commits the offsets that pass them. */
async function deadLettersOf(ctx: SettleContext, collection: string, keys: Candidate[]): Promise<Map<string, DeadLetter>> {
  const wanted = new Set(keys.flatMap((c) => (c.idText === null ? [] : [c.idText])));
  if (wanted.size === 0) return new Map();
  return readDeadLetters(ctx.kafka, ctx.decoder, deadLetterTopicFor(ctx.topics.get(collection)!), wanted);
}

function groupBy<T>(items: readonly T[], keyOf: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const group = groups.get(keyOf(item));
    if (group) group.push(item);
    else groups.set(keyOf(item), [item]);
  }
  return groups;
}
