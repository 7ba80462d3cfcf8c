/**
 * Nearest-rank percentile of the latencies of successful requests: what p50
 * and p95 mean everywhere (a proxy's probe, an upstream of the local proxy).
 */
export function percentile(values: number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return Math.round(sorted[rank - 1] as number);
}
