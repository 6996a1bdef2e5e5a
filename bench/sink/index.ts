import type { ProbeFactory } from '../lib/probe.js';
import { memoryProbe } from './memory-probe.js';
import { copyProbe, mergeProbe, naiveProbe, totalProbe } from './probes.js';

/** The sink stage probes of issue #7 (medium documents, payments). */
export const sinkProbes: ProbeFactory = (ctx) => [copyProbe(ctx), mergeProbe(ctx), totalProbe(ctx), naiveProbe(ctx, 0), naiveProbe(ctx, 1), memoryProbe(ctx)];
