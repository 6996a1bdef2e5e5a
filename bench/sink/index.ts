import type { ProbeFactory } from '../lib/probe.js';

/** The sink stage probes (filled in as they are written). */
export const sinkProbes: ProbeFactory = () => [];
