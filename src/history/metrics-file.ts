import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { RunContext } from '../model/run-context.js';
import type { RunReport } from '../model/run-report.js';
import { CSV_HEADER, metricsCsvRows, metricsOpenMetrics } from './metrics.js';

export type MetricsFormat = 'csv' | 'openmetrics';

/** The `metrics-file` input picks the format by extension: .csv, or OpenMetrics text for anything else. */
export function metricsFormat(file: string): MetricsFormat {
  return path.extname(file).toLowerCase() === '.csv' ? 'csv' : 'openmetrics';
}

/**
 * Write this run's figures to `file`: a CSV grows by this run's rows (the
 * header only when the file is new or empty); an OpenMetrics file is replaced
 * whole, through a temporary file and a rename, so a collector reading it
 * never sees half a run.
 */
export async function appendMetrics(file: string, report: RunReport, ctx: RunContext): Promise<MetricsFormat> {
  const format = metricsFormat(file);
  await fs.mkdir(path.dirname(file), { recursive: true });
  if (format === 'csv') {
    const size = await fs.stat(file).then(
      (s) => s.size,
      () => 0,
    );
    const lines = size === 0 ? [CSV_HEADER, ...metricsCsvRows(report, ctx)] : metricsCsvRows(report, ctx);
    if (lines.length > 0) await fs.appendFile(file, lines.map((l) => `${l}\n`).join(''));
    return format;
  }
  const tmp = `${file}.${process.pid}.tmp`;
  await fs.writeFile(tmp, metricsOpenMetrics(report, ctx));
  await fs.rename(tmp, file);
  return format;
}
