import { replaceFile } from '../secrets/own-files.js';
import * as path from 'node:path';
import type { Secrets } from '../secrets/secrets.js';
import type { RunReport } from '../model/run-report.js';

/** Write the JSON report, masked, and return its path. */
export async function writeReport(dir: string, report: RunReport, secrets: Secrets): Promise<string> {
  const file = path.join(dir, 'report.json');
  await replaceFile(file, secrets.mask(JSON.stringify(report, null, 2)) + '\n');
  return file;
}
