/**
 * Figures one probe measures and a later one needs in the same run: the end-to-end
 * drain rates (rows/s) set the loads of the latency probe.
 */
export const drainRates: number[] = [];
