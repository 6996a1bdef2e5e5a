import type { ProbeFactory } from '../lib/probe.js';

/** The pipeline stage probes (filled in as they are written). */
export const pipelineProbes: ProbeFactory = () => [];
