import pg from 'pg';
import { measureLag } from '../lag/index.js';
import { windowStats, type Spread } from '../lag/samples.js';
import { formatDuration, parseDuration } from '../ops/duration.js';
import { createKafka, sourceStateTopic, topicFor } from '../ops/kafka.js';
import { loadSourceStates, stateKey, type SourceState } from '../source/index.js';
import { configFrom, parse } from './args.js';
import type { Command } from './commands.js';
import { startService } from './context.js';
import { textTable } from './text-table.js';

export const lagCommand: Command = {
  summary:
    'Per-collection lag by stage now — source (newest moment the source has read up to), Kafka (records after the\n' +
    'offsets stored in PostgreSQL), apply, end-to-end (PostgreSQL complete up to when) — and p50/p99 over --window\n' +
    'from the samples tidemark status records (default 5m).',
  usage: 'tidemark lag [--config <file>] [--json] [--window <duration>]',
  async run(argv) {
    const { values } = parse(argv, { json: { type: 'boolean' }, window: { type: 'string' } });
    const windowMs = parseDuration(values.window ?? '5m', '--window');
    const { config, logger, mappings } = await startService(configFrom(values), 'lag', ['kafka', 'postgres']);
    const pool = new pg.Pool({ connectionString: config.postgres.url, max: 1, options: `-c search_path=${config.postgres.schema}` });
    const kafka = createKafka(config, logger, '-lag');
    try {
      const states = await readStates(kafka, sourceStateTopic(config));
      const lags = await measureLag(
        kafka,
        pool,
        config.sink.groupId,
        mappings.map((m) => ({
          collection: m.collection,
          topic: topicFor(config, m.collection),
          source: states.get(stateKey(config.mongo.database, m.collection)),
        })),
      );
      const now = Date.now();
      const stats = await windowStats(pool, config.sink.groupId, now - windowMs, now, config.gate.maxLagMs);
      const collections = lags.map((l) => {
        const s = stats.get(l.collection);
        const window = s
          ? { samples: s.samples, unknown: s.unknown, sourceLagMs: s.sourceLagMs, kafkaRecords: s.kafkaRecords, applyLagMs: s.applyLagMs, endToEndLagMs: s.endToEndLagMs }
          : null;
        return { ...l, window };
      });
      if (values.json) {
        console.log(JSON.stringify({ measuredAt: new Date(now).toISOString(), windowMs, collections }, null, 2));
        return 0;
      }
      const ms = (v: number | null) => (v === null ? 'unknown' : formatDuration(v));
      const spread = (s: Spread | undefined) => (s ? `${ms(s.p50)} / ${ms(s.p99)}` : 'no samples');
      console.log(
        textTable([
          ['collection', 'source', 'source lag', 'kafka records', 'apply lag', 'end-to-end', `end-to-end p50 / p99 (${formatDuration(windowMs)})`],
          ...collections.map((c) => [
            c.collection,
            c.phase ?? 'not started',
            ms(c.sourceLagMs),
            String(c.recordsBehind),
            ms(c.applyLagMs),
            ms(c.endToEndLagMs),
            spread(c.window?.endToEndLagMs),
          ]),
        ]),
      );
      if (collections.some((c) => !c.window)) console.log(`\nno samples in the last ${formatDuration(windowMs)} for some collections: tidemark status records them`);
      return 0;
    } finally {
      await pool.end();
    }
  },
};

/** The source's state topic, or nothing before the source has ever run. */
async function readStates(kafka: ReturnType<typeof createKafka>, topic: string): Promise<Map<string, SourceState>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    if (!(await admin.listTopics()).includes(topic)) return new Map();
  } finally {
    await admin.disconnect();
  }
  return loadSourceStates(kafka, topic);
}
