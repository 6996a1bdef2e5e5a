// The configuration schema: every setting, its type, default, environment
// override and meaning, in one table. Validation, `tidemark config --defaults`
// and the README are all derived from it.

// 'secret': an optional credential, unset unless given; never printed (redactConfig).
export type FieldKind = 'string' | 'int' | 'enum' | 'url' | 'brokers' | 'list' | 'secret';

export interface Field {
  kind: FieldKind;
  doc: string;
  default?: unknown;
  env?: string;
  protocols?: string[];
  values?: readonly string[];
  min?: number;
  max?: number;
}

const port = (name: string, fallback: number) => Number(process.env[name] ?? fallback);

export const SCHEMA = {
  mongo: {
    url: {
      kind: 'url',
      protocols: ['mongodb:', 'mongodb+srv:'],
      env: 'MONGO_URL',
      default: `mongodb://127.0.0.1:${port('MONGO_PORT', 27017)}/?directConnection=true`,
      doc: 'MongoDB connection string (replica set or sharded cluster; change streams need one)',
    },
    database: { kind: 'string', env: 'MONGO_DATABASE', default: 'amanat', doc: 'database whose collections are replicated' },
  },
  kafka: {
    brokers: {
      kind: 'brokers',
      env: 'KAFKA_BROKERS',
      default: [`127.0.0.1:${port('KAFKA_PORT', 9092)}`],
      doc: 'bootstrap brokers, host:port (comma-separated in the environment)',
    },
    clientId: { kind: 'string', default: 'tidemark', doc: 'Kafka client id' },
    topicPrefix: { kind: 'string', env: 'TIDEMARK_TOPIC_PREFIX', default: 'tidemark', doc: 'topics are <prefix>.<db>.<collection>' },
    partitions: { kind: 'int', min: 1, max: 1000, default: 3, doc: 'partitions for topics tidemark creates' },
    replicationFactor: { kind: 'int', min: 1, max: 7, default: 1, doc: 'replication factor for topics tidemark creates' },
  },
  schemaRegistry: {
    url: {
      kind: 'url',
      protocols: ['http:', 'https:'],
      env: 'SCHEMA_REGISTRY_URL',
      default: `http://127.0.0.1:${port('REGISTRY_PORT', 8081)}/apis/ccompat/v7`,
      doc: 'Confluent-compatible schema registry base URL',
    },
  },
  postgres: {
    url: {
      kind: 'url',
      protocols: ['postgres:', 'postgresql:'],
      env: 'PG_URL',
      default: `postgres://postgres@127.0.0.1:${port('PG_PORT', 5432)}/tidemark`,
      doc: 'target PostgreSQL connection string',
    },
    schema: { kind: 'string', env: 'PG_SCHEMA', default: 'public', doc: 'schema holding the target tables and tidemark state' },
  },
  connectors: {
    dir: { kind: 'string', default: 'connectors', doc: 'folder of collection mappings (one file per collection)' },
    include: { kind: 'list', default: [], doc: 'collections to replicate; empty means every mapping in the folder' },
  },
  source: {
    fullDocument: {
      kind: 'enum',
      values: ['updateLookup', 'whenAvailable', 'required'],
      default: 'updateLookup',
      doc: 'how updates carry the document: updateLookup, or MongoDB 6.0+ post-images (whenAvailable / required)',
    },
    snapshotChunkSize: { kind: 'int', min: 1, max: 100000, default: 1000, doc: 'documents per snapshot chunk (progress is persisted per chunk)' },
    maxBatchSize: { kind: 'int', min: 1, max: 100000, default: 500, doc: 'change events per Kafka transaction' },
    heartbeatIntervalMs: {
      kind: 'int',
      min: 100,
      max: 3600000,
      default: 1000,
      doc: 'an idle collection still advances its position this often (bounds how fresh its lag can read; keep it well under the gate bound)',
    },
    onHistoryLost: {
      kind: 'enum',
      values: ['fail', 'resnapshot'],
      default: 'fail',
      doc: 'when the oplog rolled past the stored resume token: stop the collection (fail) or snapshot it again',
    },
  },
  sink: {
    groupId: { kind: 'string', env: 'TIDEMARK_SINK_GROUP', default: 'tidemark-sink', doc: 'Kafka consumer group of the sink' },
    maxBatchRecords: { kind: 'int', min: 1, max: 100000, default: 5000, doc: 'records applied per PostgreSQL transaction' },
    fetchMaxBytesPerPartition: {
      kind: 'int',
      env: 'TIDEMARK_SINK_FETCH_MAX_BYTES_PER_PARTITION',
      min: 65536,
      max: 268435456,
      default: 4194304,
      doc: 'bytes fetched per partition at once: bigger batches spread each transaction\'s round trips over more rows (a database on another host) and cost memory',
    },
    fetchMaxBytes: {
      kind: 'int',
      env: 'TIDEMARK_SINK_FETCH_MAX_BYTES',
      min: 1048576,
      max: 1073741824,
      default: 10485760,
      doc: 'bytes fetched across all partitions at once (bounds the memory of batches waiting to be applied)',
    },
    concurrentPartitions: {
      kind: 'int',
      env: 'TIDEMARK_SINK_CONCURRENT_PARTITIONS',
      min: 1,
      max: 64,
      default: 3,
      doc: 'partition batches applied at once, each in its own transaction and connection (a child applied beside its parent waits parked for the next retry)',
    },
    sessionTimeoutMs: {
      kind: 'int',
      min: 6000,
      max: 300000,
      default: 30000,
      doc: 'consumer session: how long a crashed sink keeps its partitions before the group moves them',
    },
    parkedRetryIntervalMs: {
      kind: 'int',
      min: 100,
      max: 3600000,
      default: 5000,
      doc: 'how often parked changes (waiting for a parent, or a referenced row to go) are tried again',
    },
    parkedMaxAgeMs: {
      kind: 'int',
      min: 0,
      max: 2592000000,
      default: 3600000,
      doc: 'a change parked longer than this is reported as expired (metric, log, verifier)',
    },
    onParkedExpired: {
      kind: 'enum',
      values: ['report', 'dead-letter'],
      default: 'report',
      doc: 'an expired parked change stays parked and is reported (report) or goes to the dead-letter topic (dead-letter)',
    },
  },
  verify: {
    chunkSize: { kind: 'int', min: 1, max: 100000, default: 2000, doc: 'documents compared per chunk (memory holds one chunk)' },
    settleTimeoutMs: {
      kind: 'int',
      min: 0,
      max: 3600000,
      default: 60000,
      doc: 'how long a difference may wait for the sink to pass it before it is reported in flight (tidemark verify --settle-timeout)',
    },
    maxListed: { kind: 'int', min: 1, max: 1000000, default: 1000, doc: 'keys listed per section of the report (counts stay exact)' },
    maxCandidates: {
      kind: 'int',
      min: 1,
      max: 10000000,
      default: 100000,
      doc: 'more differing documents than this in one collection stops verification (exit 2): the replica is far behind',
    },
    statementTimeoutMs: { kind: 'int', min: 1000, max: 86400000, default: 600000, doc: 'PostgreSQL statement_timeout of the verifier' },
  },
  service: {
    shutdownTimeoutMs: {
      kind: 'int',
      min: 1000,
      max: 600000,
      default: 30000,
      doc: 'SIGTERM: longest wait for the in-flight transaction or batch before a service exits anyway',
    },
  },
  http: {
    host: { kind: 'string', env: 'TIDEMARK_HTTP_HOST', default: '127.0.0.1', doc: 'health and metrics bind address (source, sink)' },
    port: { kind: 'int', env: 'TIDEMARK_HTTP_PORT', min: 0, max: 65535, default: 0, doc: 'HTTP port; 0 disables the server' },
  },
  lag: {
    sampleIntervalMs: {
      kind: 'int',
      min: 200,
      max: 60000,
      default: 2000,
      doc: 'tidemark status samples every collection\'s lag this often into tidemark_lag_samples (the gate reads them)',
    },
    retentionMs: {
      kind: 'int',
      min: 60000,
      max: 2592000000,
      default: 21600000,
      doc: 'lag samples older than this are pruned; keep it above the longest gate window',
    },
  },
  gate: {
    maxLagMs: { kind: 'int', min: 1, max: 86400000, default: 5000, doc: 'end-to-end lag bound of the gate (status page; tidemark gate --max-lag overrides)' },
    windowMs: {
      kind: 'int',
      min: 1000,
      max: 2592000000,
      default: 600000,
      doc: 'how long lag must have stayed under the bound (status page; tidemark gate --window overrides)',
    },
  },
  status: {
    host: { kind: 'string', env: 'TIDEMARK_STATUS_HOST', default: '127.0.0.1', doc: 'tidemark status: bind address of the status page' },
    port: { kind: 'int', env: 'TIDEMARK_STATUS_PORT', min: 0, max: 65535, default: 8088, doc: 'tidemark status: port of the status page (0 picks a free one)' },
    token: {
      kind: 'secret',
      env: 'TIDEMARK_STATUS_TOKEN',
      doc: 'tidemark status: bearer token required for its data (/api/status, /metrics); unset means no token',
    },
  },
  log: {
    level: {
      kind: 'enum',
      env: 'LOG_LEVEL',
      values: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
      default: 'info',
      doc: 'pino log level',
    },
  },
} as const satisfies Record<string, Record<string, Field>>;

type ValueOf<F> = F extends { kind: 'int' }
  ? number
  : F extends { kind: 'secret' }
    ? string | undefined
  : F extends { kind: 'brokers' | 'list' }
    ? string[]
    : F extends { kind: 'enum'; values: readonly (infer V)[] }
      ? V
      : string;

export type Config = {
  -readonly [S in keyof typeof SCHEMA]: { -readonly [K in keyof (typeof SCHEMA)[S]]: ValueOf<(typeof SCHEMA)[S][K]> };
};
