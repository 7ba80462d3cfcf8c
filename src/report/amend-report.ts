import * as fs from 'node:fs/promises';
import type { RunReport } from '../model/run-report.js';
import type { ServeStats } from '../model/serve-stats.js';
import { replaceFile } from '../secrets/own-files.js';
import type { Secrets } from '../secrets/secrets.js';

/**
 * Add what the local proxy did to a report written earlier (by the main
 * step: the post step is another process): the file is read, amended and
 * written again, masked, as writeReport writes it.
 */
export async function addServeFigures(reportPath: string, stats: ServeStats, secrets: Secrets): Promise<void> {
  const report = JSON.parse(await fs.readFile(reportPath, 'utf8')) as RunReport;
  const amended: RunReport = { ...report, serve: { url: stats.url, upstreams: stats.upstreams.map((u) => u.url), stats } };
  await replaceFile(reportPath, secrets.mask(JSON.stringify(amended, null, 2)) + '\n');
}
