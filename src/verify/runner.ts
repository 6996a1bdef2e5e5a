// One verification run: schema, then every collection streamed and compared
// document by document, then the lag-aware settlement of what differed, then the
// whole-table checks (foreign keys, money sums, points balances, ledger), then the
// report, recorded in tidemark_verifications. Any error ends the run as "could not
// verify" (exit 2): an unreachable database is never a pass (the audit's CR-9).

import pg from 'pg';
import type { Config } from '../ops/config.js';
import { describe } from '../ops/errors.js';
import { sourceStateTopic, topicFor } from '../ops/kafka.js';
import type { Logger } from '../ops/logger.js';
import { allChildMappings, type Mapping } from '../transform/index.js';
import { moneySums, pointsBalances } from './aggregates.js';
import type { Candidate } from './classify.js';
import { DocumentComparer } from './documents.js';
import { EnumTally } from './enums.js';
import { checkForeignKeys, checkSchema } from './integrity.js';
import { checkLedgerTriggers, reconcileLedger } from './ledger.js';
import { Mirror } from './mirror.js';
import { ClusterClock } from './observe.js';
import { PositionReader, recordsBehind, appliedOffsets, type Positions } from './positions.js';
import { exitCodeOf, type CheckDifference, type CollectionReport, type Listed, type Report, type Status } from './report.js';
import { LEDGER, POINTS, ruleColumns } from './rules.js';
import { scanCollection, type ScanResult } from './scan.js';
import { openSession, type VerifySession } from './session.js';
import { emptySettled, settle, type Settled } from './settle.js';
import { recordVerification } from './store.js';
import { mappingTables, mirrorColumns } from './tables.js';

export interface VerifyOptions {
  /** Overrides verify.settleTimeoutMs. */
  settleTimeoutMs?: number;
}

/** Verifies the given mappings' collections and records the report; never throws. */
export async function verify(config: Config, logger: Logger, mappings: readonly Mapping[], opts: VerifyOptions = {}): Promise<Report> {
  const log = logger.child({ stage: 'verify' });
  const startedAt = new Date();
  const settleTimeoutMs = opts.settleTimeoutMs ?? config.verify.settleTimeoutMs;
  let session: VerifySession | undefined;
  let report: Report;
  try {
    session = await openSession(config, log);
    report = await run(config, log, session, mappings, startedAt, settleTimeoutMs);
  } catch (err) {
    log.debug({ err }, 'verification failed');
    report = couldNotVerify(startedAt, settleTimeoutMs, describe(err));
  }
  try {
    if (session) await recordVerification(session.db, report);
  } catch (err) {
    // The gate reads the recorded result: an unrecorded pass must not look like one.
    if (report.status !== 'could-not-verify') report = { ...report, status: 'could-not-verify', exitCode: 2, error: `verified, but could not record the result: ${describe(err)}` };
    else log.warn({ err }, 'could not record the failed verification');
  } finally {
    await session?.close();
  }
  return report;
}

/** The report of a run that could not finish (exit 2), with the one reason why. */
export function couldNotVerify(startedAt: Date, settleTimeoutMs: number, error: string): Report {
  return {
    version: 1,
    status: 'could-not-verify',
    exitCode: 2,
    differences: 0,
    inFlight: 0,
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    settleTimeoutMs,
    collections: [],
    checks: {
      schema: [],
      foreignKeys: { checked: 0, violations: [] },
      ledger: { ran: false, why: 'verification did not complete', triggers: [], sourceAnomalies: { total: 0, items: [] }, differences: [] },
      moneySums: [],
      moneySumDifferences: [],
      pointsBalances: { ran: false, users: 0, differences: [] },
      enums: { unmapped: [] },
      timestamps: { columns: 0, note: 'not checked' },
    },
    error,
  };
}

async function run(config: Config, log: Logger, session: VerifySession, mappings: readonly Mapping[], startedAt: Date, settleTimeoutMs: number): Promise<Report> {
  const { db, mongo } = session;
  const schema = config.postgres.schema;
  const { chunkSize, maxListed, maxCandidates } = config.verify;
  const { differences: schemaDifferences, notCompared } = await checkSchema(db, schema, mappings);

  const enums = new EnumTally();
  const comparers = new Map<string, DocumentComparer>();
  const scans = new Map<string, ScanResult>();
  const differing: Array<Omit<Candidate, 'observedAt'>> = [];
  const topics = new Map(mappings.map((m) => [m.collection, topicFor(config, m.collection)]));
  for (const mapping of mappings) {
    if (notCompared.has(mapping.collection)) continue;
    const appliedFrom = await appliedOffsets(db, config.sink.groupId, topics.get(mapping.collection)!);
    const mirror = new Mirror(mapping.table, mapping.key.column, mirrorColumns(mapping, ruleColumns(mapping.collection)));
    const comparer = new DocumentComparer(db, mappingTables(mapping), mirror);
    await comparer.prepare();
    const scanned = await scanCollection(comparer, mongo, db, enums, { chunkSize, maxCandidates });
    log.info({ collection: mapping.collection, documents: scanned.scanned, differing: scanned.differing.length }, 'collection compared');
    comparers.set(mapping.collection, comparer);
    scans.set(mapping.collection, scanned);
    differing.push(...scanned.differing.map((o) => ({ ...o, collection: mapping.collection, table: mapping.table, appliedFrom })));
  }
  // One reading after every read of the scan: at or after any write the scan could see.
  const clock = new ClusterClock(mongo);
  const observedAt = differing.length > 0 ? await clock.now() : null;
  const candidates: Candidate[] = differing.map((d) => ({ ...d, observedAt: observedAt! }));

  const reader = new PositionReader(session.kafka, db, config.sink.groupId, sourceStateTopic(config), config.mongo.database, log);
  const settled = await settle(
    {
      comparers, topics, mongo, db, kafka: session.kafka, decoder: session.decoder, positions: reader, groupId: config.sink.groupId,
      holdSnapshot: () => session.holdSnapshot(), clock, chunkSize, settleTimeoutMs, parkedMaxAgeMs: config.sink.parkedMaxAgeMs, log,
    },
    candidates,
  ).finally(() => Promise.all([clock.close(), reader.close()]));
  const { outcomes, positions } = settled;
  for (const [collection, outcome] of outcomes) await comparers.get(collection)?.mirror.forget(db, outcome.rejected.map((r) => r.key));

  const unresolved = (collection: string) => {
    const o = outcomes.get(collection) ?? emptySettled();
    return [...o.differences.map((d) => d.key), ...o.inFlight.map((d) => d.key), ...o.parked.map((p) => p.key)];
  };
  const collections: CollectionReport[] = [];
  const moneySumReports: Report['checks']['moneySums'] = [];
  const moneySumDifferences: CheckDifference[] = [];
  for (const mapping of mappings) {
    const comparer = comparers.get(mapping.collection);
    const outcome = outcomes.get(mapping.collection) ?? emptySettled();
    collections.push(await collectionReport(db, mapping, scans.get(mapping.collection), outcome, positions, maxListed, notCompared.get(mapping.collection)));
    if (!comparer) continue;
    const sums = await moneySums(db, mapping, comparer.mirror, unresolved(mapping.collection).length);
    moneySumReports.push(...sums.sums);
    moneySumDifferences.push(...sums.differences);
  }

  const pointsComparer = comparers.get(POINTS.collection);
  const points = pointsComparer
    ? { ran: true, ...(await pointsBalances(db, pointsComparer.mirror, unresolved(POINTS.collection), maxListed)) }
    : { ran: false, users: 0, differences: [] };

  const ledgerComparer = comparers.get(LEDGER.collection);
  const ownerComparer = comparers.get(LEDGER.owner.collection);
  const ledgerInScope = mappings.some((m) => m.table === LEDGER.table);
  const triggers = ledgerInScope ? await checkLedgerTriggers(db, schema) : [];
  const ledger =
    ledgerComparer && ownerComparer
      ? {
          ran: true,
          triggers,
          ...(await reconcileLedger(db, ledgerComparer.mirror, ownerComparer.mirror, unresolved(LEDGER.collection), unresolved(LEDGER.owner.collection), maxListed)),
        }
      : { ran: false, why: `needs ${LEDGER.collection} and ${LEDGER.owner.collection} verified together`, triggers, sourceAnomalies: { total: 0, items: [] }, differences: [] };

  const tables = mappings.flatMap((m) => [m.table, ...allChildMappings(m).map((c) => c.table)]);
  const foreignKeys = await checkForeignKeys(db, schema, tables, maxListed);
  const timestampColumns = mappings.reduce(
    (n, m) => n + m.columns.filter((c) => c.type === 'timestamptz').length + allChildMappings(m).reduce((k, c) => k + c.columns.filter((x) => x.type === 'timestamptz').length, 0),
    0,
  );

  const checkDifferences =
    schemaDifferences.length +
    foreignKeys.violations.length +
    ledger.triggers.length +
    ledger.differences.length +
    moneySumDifferences.length +
    points.differences.length;
  const differences = collections.reduce((n, c) => n + c.counts.differences, 0) + checkDifferences;
  const inFlight = collections.reduce((n, c) => n + c.counts.inFlight, 0);
  const status: Status = differences > 0 ? 'differences' : inFlight > 0 ? 'in-flight' : 'clean';
  return {
    version: 1,
    status,
    exitCode: exitCodeOf(status),
    differences,
    inFlight,
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    settleTimeoutMs,
    collections,
    checks: {
      schema: schemaDifferences,
      foreignKeys,
      ledger,
      moneySums: moneySumReports,
      moneySumDifferences,
      pointsBalances: points,
      enums: { unmapped: enums.values() },
      timestamps: {
        columns: timestampColumns,
        note: 'timestamptz columns: type, zone and microsecond precision checked against the catalog; values compared as instants, printed in UTC',
      },
    },
  };
}

async function collectionReport(
  db: VerifySession['db'],
  mapping: Mapping,
  scan: ScanResult | undefined,
  outcome: Settled,
  positions: Positions,
  maxListed: number,
  notCompared: string | undefined,
): Promise<CollectionReport> {
  const { rows } = await db.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${pg.escapeIdentifier(mapping.table)}`);
  const view = positions.view(mapping.collection);
  const applied = view.partitions.reduce<number | null>((max, p) => (p.appliedSeconds !== null && (max === null || p.appliedSeconds > max) ? p.appliedSeconds : max), null);
  const scannedKeys = scan ? new Set(scan.differing.filter((c) => c.id !== undefined && c.fingerprint !== 'absent').map((c) => c.key)) : new Set<string>();
  const unsettledScanned = [...outcome.differences, ...outcome.inFlight, ...outcome.parked, ...outcome.rejected].filter((k) => scannedKeys.has(k.key)).length;
  const listed = <T>(items: T[]): Listed<T> => ({ total: items.length, items: items.slice(0, maxListed) });
  return {
    collection: mapping.collection,
    table: mapping.table,
    counts: {
      countDocuments: scan?.countDocuments ?? 0,
      scanned: scan?.scanned ?? 0,
      rejected: outcome.rejected.length,
      postgresRows: Number(rows[0]!.n),
      equal: Math.max(0, (scan?.scanned ?? 0) - unsettledScanned),
      parked: outcome.parked.length,
      inFlight: outcome.inFlight.length,
      differences: outcome.differences.length,
    },
    lag: { recordsBehind: recordsBehind(view), appliedClusterTime: applied === null ? null : new Date(applied * 1000).toISOString(), sourcePhase: view.sourcePhase },
    differences: listed(outcome.differences),
    inFlight: listed(outcome.inFlight),
    parked: listed(outcome.parked),
    rejected: listed(outcome.rejected),
    resolved: outcome.resolved,
    ...(notCompared ? { notCompared } : {}),
  };
}

