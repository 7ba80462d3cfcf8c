/**
 * prepareStage in-process: inputs read once into the Config, go env, the Go
 * project and the user's credentials, with every secret registered before
 * anything can be logged. Nothing here touches the network.
 */
import { prepareStage } from '../../src/engine/prepare-stage.js';
import { BETA, GAMMA, UPPER } from '../lab/guard-case.js';
import { stageCase } from '../lab/stage-case.js';

const WEBHOOK = 'https://hooks.example.invalid/services/T0/B0/hook-secret-0123';

test('the inputs become the Config; go env and the project (its requirements, which are private) are known; nothing is logged', async () => {
  const { env, platform, secrets, ctx } = stageCase(
    'stage-prepare',
    {
      proxies: 'https://a.example.invalid\nhttps://b.example.invalid',
      'probe-timeout': '2500ms',
      'probe-samples': '2',
      'webhook-url': WEBHOOK,
    },
    { goEnv: { GOPRIVATE: 'example.com/beta' } },
  );
  const run = await prepareStage(ctx);

  expect(run.config.proxies).toEqual(['https://a.example.invalid', 'https://b.example.invalid']);
  expect(run.config.probe).toMatchObject({ timeoutMs: 2500, timeoutAsWritten: '2500ms', samples: 2 });
  expect([run.goEnv.GOMODCACHE, run.goEnv.GOPROXY, run.goEnv.GOPRIVATE]).toEqual([env.GOMODCACHE, 'direct', 'example.com/beta']);
  expect(run.project.layout).toBe('module');
  const direct = run.project.requirements.filter((r) => !r.indirect);
  expect(direct.map((r) => [r.path, r.version, r.private])).toEqual(
    [BETA, UPPER, GAMMA].map((m) => [m.path, m.version, m.path === 'example.com/beta']).sort(),
  );
  // The webhook URL is a secret from the start: any later line that quotes it is masked.
  expect(secrets.mask(`sending to ${WEBHOOK}`)).not.toContain('hook-secret-0123');
  expect(platform.log).toEqual([]);
});

test('a bad input fails the run naming it, with the secrets of the other inputs already registered', async () => {
  const { secrets, ctx } = stageCase('stage-prepare-bad', { 'webhook-url': WEBHOOK, 'min-score': '1.7' });
  await expect(prepareStage(ctx)).rejects.toThrow('input "min-score" must be a number from 0 to 1, got "1.7"');
  expect(secrets.mask(WEBHOOK)).not.toContain('hook-secret-0123');
});

test('no go.mod: the project is none, and the run goes on (the probe uses a well-known module)', async () => {
  const { ctx } = stageCase('stage-prepare-none', {}, { requires: false });
  const run = await prepareStage(ctx);
  expect([run.project.layout, run.project.requirements]).toEqual(['none', []]);
});
