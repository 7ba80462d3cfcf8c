import { withinCacheService } from '../../src/cache/service-bound.js';

test('a cache service that let one call run out of time is skipped at once for the rest of the step', async () => {
  let started = 0;
  const never = () => {
    started++;
    return new Promise<string>(() => {});
  };
  const answered = () => {
    started++;
    return Promise.resolve('hit');
  };
  // A failing call that is not a timeout does not give up on the service.
  await expect(withinCacheService(1000, 'cache lookup', () => Promise.reject(new Error('HTTP 503')))).rejects.toThrow('HTTP 503');
  await expect(withinCacheService(1000, 'cache lookup', answered)).resolves.toBe('hit');
  await expect(withinCacheService(50, 'cache lookup', never)).rejects.toThrow('cache lookup took longer than 0.05s');
  const before = started;
  const t0 = Date.now();
  await expect(withinCacheService(10_000, 'state restore', answered)).rejects.toThrow(
    'state restore skipped: the cache service did not answer (cache lookup took longer than 0.05s)',
  );
  // Skipped without being started, and without waiting out its own bound.
  expect(started).toBe(before);
  expect(Date.now() - t0).toBeLessThan(5_000);
});
