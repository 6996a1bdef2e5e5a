import { EJSON, Timestamp, type Document } from 'bson';
import type { ChangeStreamOptions, Collection, Db } from 'mongodb';
import type { Kafka, Message, Producer, TopicMessages } from 'kafkajs';
import { envelopeType, frame, type ChangeEnvelope } from '../envelope/index.js';
import type { Config } from '../ops/config.js';
import { producerConfig } from '../ops/kafka.js';
import type { Logger } from '../ops/logger.js';
import { describe as describeError } from '../ops/errors.js';
import { canonicalKey } from '../transform/index.js';
import { classify, envelopeFromEvent, envelopeFromSnapshot, type ChangeEvent } from './events.js';
import { compareClusterTime, tokenFromString, tokenToString, type ClusterTime } from './position.js';
import { captureStartPosition } from './start-position.js';
import { stateKey, type SourceState } from './state.js';

export interface CollectionSourceDeps {
  config: Config;
  db: Db;
  kafka: Kafka;
  topic: string;
  stateTopic: string;
  schemaId: number;
  logger: Logger;
  clock?: () => number;
}

export type PipelineStatus = 'starting' | 'snapshot' | 'streaming' | 'stopped' | 'failed';

/**
 * One collection's pipeline: snapshot, then stream, each step's records and the
 * position they reach written in one Kafka transaction (exactly once into Kafka).
 */
export class CollectionSource {
  status: PipelineStatus = 'starting';
  eventsProduced = 0;
  lastClusterTime: ClusterTime | null = null;
  private readonly collection: Collection;
  private readonly producer: Producer;
  private readonly log: Logger;
  private readonly now: () => number;

  constructor(
    readonly name: string,
    private readonly deps: CollectionSourceDeps,
    private state: SourceState | undefined,
  ) {
    this.collection = deps.db.collection(name);
    this.now = deps.clock ?? Date.now;
    this.log = deps.logger.child({ collection: name, topic: deps.topic });
    // One transactional id per collection: a restarted source fences its
    // predecessor and aborts whatever transaction it left open.
    this.producer = deps.kafka.producer(producerConfig({ transactionalId: `tidemark-source.${deps.config.mongo.database}.${name}` }));
  }

  async run(signal: AbortSignal): Promise<void> {
    await this.producer.connect();
    try {
      let state = this.state ?? (await this.begin());
      if (state.phase === 'snapshot') state = await this.snapshot(state, signal);
      if (state.phase === 'stream' && !signal.aborted) await this.stream(state, signal);
      // Stopped by a terminal event, or asked to stop (SIGTERM) after a committed step.
      this.status = 'stopped';
    } catch (err) {
      this.status = 'failed';
      this.log.error({ err }, `pipeline failed: ${describeError(err)}`);
      throw err;
    } finally {
      await this.producer.disconnect();
    }
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

  private async snapshot(state: SourceState, signal: AbortSignal): Promise<SourceState> {
    this.status = 'snapshot';
    const where = { db: this.deps.config.mongo.database, collection: this.name };
    const total = await this.collection.countDocuments({});
    // Scanning in _id order with $gt resumes after the last committed chunk.
    // NOTE: $gt brackets by BSON type; collections mixing _id types are handled in the source issue.
    while (!signal.aborted) {
      const filter: Document = state.snapshotLastKey ? { _id: { $gt: EJSON.parse(state.snapshotLastKey, { relaxed: false }) } } : {};
      const docs = await this.collection
        .find(filter)
        .sort({ _id: 1 })
        .limit(this.deps.config.source.snapshotChunkSize)
        .toArray();
      if (docs.length === 0) {
        state = {
          ...state,
          phase: 'stream',
          resumeToken: state.start.token,
          clusterTime: state.start.clusterTime,
          ordinal: 0,
          updatedAtMs: this.now(),
        };
        await this.commit([], state);
        this.log.info({ documents: state.snapshotCount }, 'snapshot complete; streaming');
        return state;
      }
      const now = this.now();
      const envelopes = docs.map((d) => envelopeFromSnapshot(d, where, state.start.clusterTime, now));
      state = {
        ...state,
        snapshotLastKey: canonicalKey(docs[docs.length - 1]!._id),
        snapshotCount: state.snapshotCount + docs.length,
        updatedAtMs: now,
      };
      await this.commit(envelopes, state);
      this.log.info({ done: state.snapshotCount, total }, 'snapshot progress');
    }
    return state;
  }

  private async stream(state: SourceState, signal: AbortSignal): Promise<void> {
    this.status = 'streaming';
    const { config } = this.deps;
    const where = { db: config.mongo.database, collection: this.name };
    const options: ChangeStreamOptions = { fullDocument: config.source.fullDocument, maxAwaitTimeMS: 250 };
    if (state.resumeToken) options.resumeAfter = tokenFromString(state.resumeToken);
    else options.startAtOperationTime = new Timestamp({ t: state.clusterTime.t, i: state.clusterTime.i });
    const stream = this.collection.watch<Document, ChangeEvent & Document>([], options);
    let lastWrite = this.now();
    try {
      while (!signal.aborted) {
        const envelopes: ChangeEnvelope[] = [];
        let terminal: string | null = null;
        while (envelopes.length < config.source.maxBatchSize && !signal.aborted) {
          const event = (await stream.tryNext()) as ChangeEvent | null;
          if (!event) break;
          const kind = classify(event);
          if (kind.kind === 'terminal') {
            terminal = kind.operationType;
            break;
          }
          if (kind.kind === 'ignored') continue;
          const ct = { t: event.clusterTime!.t, i: event.clusterTime!.i };
          const ordinal = compareClusterTime(ct, state.clusterTime) === 0 ? state.ordinal + 1 : 1;
          envelopes.push(envelopeFromEvent(event, kind.op, where, ordinal, this.now()));
          state = { ...state, resumeToken: tokenToString(event._id), clusterTime: ct, ordinal };
        }
        const token = stream.resumeToken ? tokenToString(stream.resumeToken) : state.resumeToken;
        const heartbeatDue = this.now() - lastWrite >= config.source.heartbeatIntervalMs;
        if (terminal) {
          state = { ...state, phase: 'stopped', reason: `collection ${terminal} event`, updatedAtMs: this.now() };
          await this.commit(envelopes, state);
          this.log.error({ reason: state.reason }, 'change stream ended; pipeline stopped (re-snapshot to resume)');
          return;
        }
        if (envelopes.length > 0 || heartbeatDue || token !== state.resumeToken) {
          state = { ...state, resumeToken: token, updatedAtMs: this.now() };
          await this.commit(envelopes, state);
          lastWrite = this.now();
        }
      }
    } finally {
      await stream.close();
    }
  }

  /** Records plus the position they reach, in one Kafka transaction. */
  private async commit(envelopes: ChangeEnvelope[], state: SourceState): Promise<void> {
    const { topic, stateTopic, schemaId, config } = this.deps;
    const messages: Message[] = [];
    for (const e of envelopes) {
      messages.push({
        key: e.key,
        value: frame(schemaId, envelopeType.toBuffer(e)),
        headers: { 'tm.op': e.op, 'tm.cluster_time': `${e.source.clusterTimeSeconds}.${e.source.clusterTimeIncrement}` },
      });
      // A delete is followed by a tombstone so the topic can be compacted.
      if (e.op === 'd') messages.push({ key: e.key, value: null });
    }
    const tx = await this.producer.transaction();
    try {
      const topicMessages: TopicMessages[] = [{ topic: stateTopic, messages: [{ key: stateKey(config.mongo.database, this.name), value: JSON.stringify(state) }] }];
      if (messages.length > 0) topicMessages.unshift({ topic, messages });
      await tx.sendBatch({ topicMessages });
      await tx.commit();
    } catch (err) {
      await tx.abort().catch(() => undefined);
      throw err;
    }
    this.state = state;
    this.eventsProduced += envelopes.length;
    this.lastClusterTime = state.clusterTime;
  }
}
