/**
 * Jest setupFilesAfterEnv: after every test, end the jobs runAction started,
 * as the GitHub runner does at job end, so a daemon an action leaves behind
 * (detached or not) cannot outlive its test and keep jest from exiting.
 */
import { endAllJobs } from './runner.js';

afterEach(async () => {
  await endAllJobs();
});
