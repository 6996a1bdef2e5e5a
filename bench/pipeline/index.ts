import type { ProbeFactory } from '../lib/probe.js';
import { decodeProbe, encodeProbe } from './codec-probe.js';
import { consumeProbe } from './consume-probe.js';
import { drainProbe } from './drain-probe.js';
import { latencyProbe } from './latency-probe.js';
import { snapshotLoadProbe, snapshotReadProbe } from './snapshot-probe.js';
import { sourceProduceProbe, sourceReadProbe } from './source-probe.js';

/** The pipeline stage probes: consume path, source, envelope codec, end to end, snapshot. */
export const pipelineProbes: ProbeFactory = (ctx) => [
  consumeProbe(ctx),
  sourceReadProbe(ctx),
  sourceProduceProbe(ctx),
  encodeProbe(ctx),
  decodeProbe(ctx),
  drainProbe(ctx),
  latencyProbe(ctx),
  snapshotReadProbe(ctx),
  snapshotLoadProbe(ctx),
];
