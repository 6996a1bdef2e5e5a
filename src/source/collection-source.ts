import { Timestamp, type Document } from 'bson';
import { MongoServerError, type ChangeStreamOptions, type Collection, type Db } from 'mongodb';
import type { Kafka } from 'kafkajs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ChangeEnvelope } from '../envelope/index.js';
import type { Config } from '../ops/config.js';
import { TidemarkError, describe as describeError } from '../ops/errors.js';
import type { Logger } from '../ops/logger.js';
import { canonicalKey } from '../transform/index.js';
import { classify, envelopeFromEvent, envelopeFromSnapshot, type ChangeEvent } from './events.js';
import { clusterTimeFromToken, compareClusterTime, tokenFromString, tokenToString, type ClusterTime } from './position.js';
import { afterKeyFilter } from './snapshot-scan.js';
import { captureStartPosition } from './start-position.js';
import { stateKey, type SourceState } from './state.js';
import { TransactionalWriter, type RecordWriter, type WriterTarget } from './transactional-writer.js';

/**
 * How long a change-stream read sent while events are in hand may take before those events
 * are written without its answer. Under load a getMore answers well within it (its events
 * then share the transaction); on a quiet stream it would wait maxAwaitTimeMS (250 ms).
 */
const READ_GRACE_MS = 20;

export interface CollectionSourceDeps {
  config: Config;
  db: Db;
  kafka: Kafka;
  topic: string;
  stateTopic: string;
  schemaId: number;
  logger: Logger;
  /** Reads this collection's committed state back from the state topic (after a failure). */
  reloadState: () => Promise<SourceState | undefined>;
  clock?: () => number;
  /** Replaces the Kafka writer (benchmarks time the pipeline with produce stubbed). */
  writer?: (transactionalId: string, target: WriterTarget) => RecordWriter;
}

export type PipelineStatus = 'starting' | 'snapshot' | 'streaming' | 'retrying' | 'stopped' | 'failed';

/** MongoDB errors after which the change stream cannot resume from its token. */
const HISTORY_LOST = new Set([286 /* ChangeStreamHistoryLost */, 280 /* ChangeStreamFatalError */]);

export function isHistoryLost(err: unknown): boolean {
  return err instanceof MongoServerError && (HISTORY_LOST.has(Number(err.code)) || err.codeName === 'ChangeStreamHistoryLost');
}

/**
 * One collection's pipeline: snapshot, then stream. Each step's records and the
 * position they reach go out in one Kafka transaction. On any retriable
 * failure it backs off, reconnects (fencing its old transaction) and resumes
 * from the position committed in the state topic.
 */
export class CollectionSource {
  status: PipelineStatus = 'starting';
  reason: string | null = null;
  eventsProduced = 0;
  snapshot = { done: 0, total: 0 };
  /** Newest cluster time seen on the stream (events or postBatchResumeToken): source lag. */
  observedClusterTime: ClusterTime | null = null;
  /** Wall-clock time of the last poll that found the stream drained (see SourceState.caughtUpAtMs). */
  caughtUpAtMs: number | null = null;

  /** The newest moment (ms) the source has read up to; null before it has streamed. */
  get readUpToMs(): number | null {
    const upTo = Math.max((this.observedClusterTime?.t ?? 0) * 1000, this.caughtUpAtMs ?? 0);
    return upTo > 0 ? upTo : null;
  }
  private readonly collection: Collection;
  private readonly writer: RecordWriter;
  private readonly log: Logger;
  private readonly now: () => number;

  constructor(
    readonly name: string,
    private readonly deps: CollectionSourceDeps,
  ) {
    const { config } = deps;
    this.collection = deps.db.collection(name);
    this.now = deps.clock ?? Date.now;
    this.log = deps.logger.child({ collection: name, topic: deps.topic });
    const target: WriterTarget = {
      topic: deps.topic,
      stateTopic: deps.stateTopic,
      stateKey: stateKey(config.mongo.database, name),
      schemaId: deps.schemaId,
    };
    const transactionalId = `tidemark-source.${config.mongo.database}.${name}`;
    this.writer = deps.writer ? deps.writer(transactionalId, target) : new TransactionalWriter(deps.kafka, transactionalId, target);
  }

  /** Connecting fences a predecessor's open transaction, so call it before reading the state topic. */
  connect(): Promise<void> {
    return this.writer.connect();
  }

  async run(signal: AbortSignal, initial: SourceState | undefined, opts: { resnapshot?: boolean } = {}): Promise<void> {
    let state = opts.resnapshot ? undefined : initial;
    let backoff = 500;
    try {
      while (!signal.aborted) {
        try {
          state = await this.step(state, signal);
          if (state.phase === 'stopped') {
            this.status = 'stopped';
            return;
          }
          backoff = 500;
        } catch (err) {
          if (signal.aborted) break;
          if (isHistoryLost(err) && this.deps.config.source.onHistoryLost === 'resnapshot') {
            this.log.warn({ err }, 'change stream history lost: re-snapshotting this collection');
            state = undefined;
            continue;
          }
          if (!isRetriableSourceError(err)) {
            this.status = 'failed';
            this.reason = describeError(err);
            this.log.error({ err }, `pipeline failed: ${this.reason}`);
            throw err;
          }
          this.status = 'retrying';
          this.reason = describeError(err);
          this.log.warn({ err, retryInMs: backoff }, `pipeline interrupted, resuming from the committed position: ${this.reason}`);
          await sleep(backoff, undefined, { signal }).catch(() => undefined);
          backoff = Math.min(backoff * 2, 30_000);
          await this.writer.disconnect().catch(() => undefined);
          await this.writer.connect().catch(() => undefined);
          state = await this.deps.reloadState().catch(() => state);
        }
      }
      this.status = 'stopped';
    } finally {
      await this.writer.disconnect().catch(() => undefined);
    }
  }

  /** Advances the pipeline from `state` until it stops, is aborted, or fails. */
  private async step(state: SourceState | undefined, signal: AbortSignal): Promise<SourceState> {
    let s = state ?? (await this.begin());
    if (s.phase === 'snapshot') s = await this.scan(s, signal);
    if (s.phase === 'stream' && !signal.aborted) s = await this.stream(s, signal);
    return s;
  }

  private async begin(): Promise<SourceState> {
    const start = await captureStartPosition(this.deps.db, this.collection);
    this.log.info({ start }, 'recorded stream start position; starting snapshot');
    const state: SourceState = {
      phase: 'snapshot',
      start,
      snapshotLastKey: null,
      snapshotCount: 0,
      resumeToken: null,
      clusterTime: start.clusterTime,
      ordinal: 0,
      updatedAtMs: this.now(),
    };
    await this.commit([], state);
    return state;
  }

  private async scan(state: SourceState, signal: AbortSignal): Promise<SourceState> {
    this.status = 'snapshot';
    const where = { db: this.deps.config.mongo.database, collection: this.name };
    this.snapshot = { done: state.snapshotCount, total: await this.collection.countDocuments({}) };
    const started = this.now();
    const doneAtStart = state.snapshotCount;
    let lastLog = started;
    while (!signal.aborted) {
      const docs = await this.collection
        .find(afterKeyFilter(state.snapshotLastKey))
        .sort({ _id: 1 })
        .limit(this.deps.config.source.snapshotChunkSize)
        .toArray();
      if (docs.length === 0) {
        const { token, clusterTime } = state.start;
        state = { ...state, phase: 'stream', resumeToken: token, clusterTime, ordinal: 0, updatedAtMs: this.now() };
        await this.commit([], state);
        this.log.info({ documents: state.snapshotCount, seconds: (this.now() - started) / 1000 }, 'snapshot complete; streaming');
        return state;
      }
      const lastKey = canonicalKey(docs[docs.length - 1]!._id);
      const now = this.now();
      const envelopes = docs.map((d) => envelopeFromSnapshot(d, where, state.start.clusterTime, now));
      state = {
        ...state,
        snapshotLastKey: lastKey,
        snapshotCount: state.snapshotCount + docs.length,
        updatedAtMs: now,
      };
      await this.commit(envelopes, state);
      this.snapshot.done = state.snapshotCount;
      if (this.now() - lastLog >= 5_000) {
        lastLog = this.now();
        this.log.info({ done: this.snapshot.done, total: this.snapshot.total, etaSeconds: this.eta(started, doneAtStart) }, 'snapshot progress');
      }
    }
    return state;
  }

  private eta(started: number, doneAtStart: number): number | null {
    const rate = (this.snapshot.done - doneAtStart) / Math.max(1, this.now() - started);
    const left = Math.max(0, this.snapshot.total - this.snapshot.done);
    return rate > 0 ? Math.round(left / rate / 1000) : null;
  }

  private async stream(state: SourceState, signal: AbortSignal): Promise<SourceState> {
    this.status = 'streaming';
    const { config } = this.deps;
    const where = { db: config.mongo.database, collection: this.name };
    // A getMore returns up to a whole batch, so a backlog drains in full-size transactions.
    const options: ChangeStreamOptions = { fullDocument: config.source.fullDocument, maxAwaitTimeMS: 250, batchSize: config.source.maxBatchSize };
    if (state.resumeToken) options.resumeAfter = tokenFromString(state.resumeToken);
    else options.startAtOperationTime = new Timestamp({ t: state.clusterTime.t, i: state.clusterTime.i });
    const stream = this.collection.watch<Document, ChangeEvent & Document>([], options);
    let lastWrite = this.now();
    // The previous batch's transaction, still committing while the next batch is read.
    // Transactions stay one at a time and in order, so positions only move forward.
    let committing: Promise<void> = Promise.resolve();
    let committed = true; // that transaction has finished
    // A read (getMore) sent while events were in hand, still unanswered when the previous
    // transaction finished: those events went out, and its answer starts the next batch.
    let pending: { event: Promise<ChangeEvent | null>; asked: number; sentAt: number } | null = null;
    try {
      while (!signal.aborted) {
        const envelopes: ChangeEnvelope[] = [];
        let terminal: string | null = null;
        // The stream's position after the last event taken; copied into `state` once per batch.
        let last: { id: unknown; clusterTime: ClusterTime; ordinal: number } | null = null;
        while (envelopes.length < config.source.maxBatchSize && !signal.aborted) {
          // Events in hand are written as soon as the previous transaction is done, without asking
          // the server for more (under a steady load another getMore keeps finding new events and
          // the batch would wait until full). While it is still committing, more events join this
          // batch: group commit, so batches grow with the load instead of the transactions queueing.
          const inHand = envelopes.length > 0 && stream.bufferedCount() === 0;
          if (inHand && committed) break;
          pending ??= { event: stream.tryNext() as Promise<ChangeEvent | null>, asked: this.now(), sentAt: performance.now() };
          // On a quiet stream the read waits up to maxAwaitTimeMS: events in hand wait for it only
          // until the commit is done and the read has had READ_GRACE_MS to answer (they used to wait
          // ~260 ms for a change that came during a commit). Under load it answers within that and
          // its events join this batch, as before.
          if (inHand && (await Promise.race([pending.event.then(() => false), this.readOverdue(committing, pending.sentAt)]))) break;
          const { event: read, asked } = pending;
          pending = null;
          const event = await read;
          if (!event) {
            this.caughtUpAtMs = asked; // everything visible when the poll was sent has been read
            break;
          }
          const kind = classify(event);
          if (kind.kind === 'terminal') {
            terminal = kind.operationType;
            break;
          }
          if (kind.kind === 'ignored') continue;
          const ct = { t: event.clusterTime!.t, i: event.clusterTime!.i };
          const prev: { clusterTime: ClusterTime; ordinal: number } = last ?? state;
          // Stream ordinals start at 1: a change at the snapshot's own cluster time wins over the snapshot read.
          const ordinal = compareClusterTime(ct, prev.clusterTime) === 0 ? prev.ordinal + 1 : 1;
          envelopes.push(envelopeFromEvent(event, kind.op, where, ordinal, this.now()));
          last = { id: event._id, clusterTime: ct, ordinal };
          this.observedClusterTime = ct;
        }
        if (last) state = { ...state, resumeToken: tokenToString(last.id), clusterTime: last.clusterTime, ordinal: last.ordinal };
        // postBatchResumeToken: the position moves on even when this collection is idle. Not while a
        // read is pending: the stream's token may already be that of an event it took for the next batch.
        const streamToken = pending ? null : stream.resumeToken;
        const token = streamToken ? tokenToString(streamToken) : state.resumeToken;
        const observed = streamToken ? clusterTimeFromToken(streamToken) : null;
        if (observed && (!this.observedClusterTime || compareClusterTime(observed, this.observedClusterTime) > 0)) {
          this.observedClusterTime = observed;
        }
        if (terminal) {
          await committing;
          state = { ...state, phase: 'stopped', reason: `collection ${terminal} event`, updatedAtMs: this.now() };
          await this.commit(envelopes, state);
          this.reason = state.reason ?? null;
          this.log.error({ reason: state.reason }, 'change stream ended; pipeline stopped (tidemark source --resnapshot to start over)');
          return state;
        }
        const heartbeatDue = this.now() - lastWrite >= config.source.heartbeatIntervalMs;
        if (envelopes.length > 0 || heartbeatDue) {
          state = {
            ...state,
            resumeToken: token,
            observed: this.observedClusterTime ?? undefined,
            caughtUpAtMs: this.caughtUpAtMs ?? undefined,
            updatedAtMs: this.now(),
          };
          await committing;
          committed = false;
          committing = this.commit(envelopes, state);
          // Settled either way; a failure is thrown where it is awaited (the next commit or the way out).
          committing.then(
            () => (committed = true),
            () => (committed = true),
          );
          lastWrite = this.now();
        }
      }
      await committing;
      return state;
    } finally {
      await committing.catch(() => undefined);
      pending?.event.catch(() => undefined); // its events were not written: the next run reads them again
      await stream.close();
    }
  }

  /** Resolves true once `committing` has settled and the read sent at `sentAt` (performance.now()) has had READ_GRACE_MS. */
  private async readOverdue(committing: Promise<void>, sentAt: number): Promise<true> {
    await committing.catch(() => undefined);
    const left = sentAt + READ_GRACE_MS - performance.now();
    if (left > 0) await sleep(left);
    return true;
  }

  private async commit(envelopes: ChangeEnvelope[], state: SourceState): Promise<void> {
    await this.writer.commit(envelopes, state);
    this.eventsProduced += envelopes.length;
  }
}

// MongoDB server errors worth another try: network, stepdown and shutdown codes
// (HostUnreachable 6, HostNotFound 7, NetworkTimeout 89, ShutdownInProgress 91,
// PrimarySteppedDown 189, ExceededTimeLimit 262, SocketException 9001,
// NotWritablePrimary 10107, InterruptedAtShutdown 11600, InterruptedDueToReplStateChange 11602,
// NotPrimaryNoSecondaryOk 13435, NotPrimaryOrSecondary 13436).
const RETRIABLE_MONGO_CODES = new Set([6, 7, 89, 91, 189, 262, 9001, 10107, 11600, 11602, 13435, 13436]);

/**
 * Whether the pipeline should back off and resume from its committed position.
 * Kafka and network failures are; tidemark's own non-retriable errors, history
 * lost and other MongoDB server errors (a bad query, no privileges) are not.
 */
export function isRetriableSourceError(err: unknown): boolean {
  if (err instanceof TidemarkError) return err.retriable;
  if (isHistoryLost(err)) return false;
  if (err instanceof MongoServerError) {
    return err.hasErrorLabel('ResumableChangeStreamError') || err.hasErrorLabel('RetryableWriteError') || RETRIABLE_MONGO_CODES.has(Number(err.code));
  }
  return true;
}
