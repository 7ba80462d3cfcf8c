import { replaceFile } from '../secrets/own-files.js';
import * as path from 'node:path';
import { junitXml } from '../report/junit.js';
import type { RunReport } from '../model/run-report.js';
import type { Secrets } from '../secrets/secrets.js';

/**
 * The files of a reports directory (a GitLab artifact, or --reports-dir):
 * the engine writes report.json, the platform's writeSummary report.md, and
 * writeJunit junit.xml for CI test widgets.
 */
export const SUMMARY_FILE = 'report.md';
export const JUNIT_FILE = 'junit.xml';

/** JUnit, rendered from the masked report so no secret reaches the file. */
export async function writeJunit(dir: string, report: RunReport, secrets: Secrets): Promise<string> {
  const masked = JSON.parse(secrets.mask(JSON.stringify(report))) as RunReport;
  const file = path.join(dir, JUNIT_FILE);
  await replaceFile(file, secrets.mask(junitXml(masked)));
  return file;
}
