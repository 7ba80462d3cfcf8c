/**
 * One rule for "transient" (diagnosis/failure.ts), used by the probe, the
 * ladder, the local proxy and the alert sender alike: 408 is a timeout.
 */
import { judgeWebhookAnswer } from '../../src/alert/send.js';
import { classifyStatus, isTransientStatus } from '../../src/diagnosis/failure.js';

describe('transient HTTP statuses', () => {
  test.each([
    [408, true],
    [429, true],
    [500, true],
    [502, true],
    [503, true],
    [504, true],
    [400, false],
    [401, false],
    [403, false],
    [404, false],
    [410, false],
    [418, false],
  ])('HTTP %i transient: %s', (status, transient) => {
    expect(isTransientStatus(status)).toBe(transient);
    expect(classifyStatus(status).class === 'transient').toBe(transient);
  });

  test('a 408 from a proxy is a timeout, retried and moved past, not a broken proxy', () => {
    expect(classifyStatus(408)).toEqual({ code: 'timeout', class: 'transient', message: 'HTTP 408 (request timeout)' });
  });

  test.each([408, 429, 503, 400, 404])('the alert sender retries HTTP %i by the same rule', (status) => {
    const judged = judgeWebhookAnswer('slack', { status, body: 'no', headers: {} }, 10_000);
    expect(judged.ok).toBe(false);
    expect(!judged.ok && judged.transient).toBe(isTransientStatus(status));
  });
});
