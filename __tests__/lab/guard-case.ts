/**
 * One end-to-end scenario of the bundled action: a Go project built from the
 * lab's synthetic modules, an isolated go environment, proxies with faults,
 * and a runner that drives dist/index.js.
 */
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { hermeticGoEnv, makeGoProject, runGo, type GoProject, type GoProjectOptions } from './go.js';
import { startCacheServer, type CacheServer, type CacheServerOptions } from './cache-server.js';
import { startGoProxy, type Fault, type GoProxy, type GoProxyOptions } from './goproxy-server.js';
import { defaultWorld, findModule, type ModuleVersion } from './modules.js';
import { makeLabDir } from './paths.js';
import { ensureLabPki } from './pki.js';
import { runAction, runPost, type ActionResult, type RunActionOptions } from './runner.js';
import { startWebhookReceiver, type WebhookReceiver } from './webhooks.js';

export const world = defaultWorld();
export function mod(p: string, v: string): ModuleVersion {
  const m = findModule(world, { path: p, version: v });
  if (!m) throw new Error(`${p}@${v} missing from the lab world`);
  return m;
}
export const ALPHA = mod('example.com/alpha', 'v1.1.0');
export const BETA = mod('example.com/beta', 'v0.2.0');
export const UPPER = mod('example.com/Upper/Case', 'v1.0.0');
export const GAMMA = mod('example.com/gamma/v2', 'v2.0.1');

/** Servers started by cases (proxies, cache services, webhook receivers); close them all after each test. */
const open: { close(): Promise<void> }[] = [];
export async function labProxy(fault: Fault = 'ok', opts: GoProxyOptions = {}): Promise<GoProxy> {
  const p = await startGoProxy({ modules: world, ...opts });
  open.push(p);
  if (fault !== 'ok') await p.setFault(fault);
  return p;
}
/** A cache service speaking the toolkit's v2 protocol unless told otherwise, closed with the proxies. */
export async function labCacheServer(opts: CacheServerOptions = { protocol: 'v2' }): Promise<CacheServer> {
  const s = await startCacheServer(opts);
  open.push(s);
  return s;
}
/** A chat webhook receiver on 127.0.0.1, closed with the proxies. */
export async function labReceiver(...args: Parameters<typeof startWebhookReceiver>): Promise<WebhookReceiver> {
  const r = await startWebhookReceiver(...args);
  open.push(r);
  return r;
}
export async function closeLabServers(): Promise<void> {
  await Promise.all(open.splice(0).map((p) => p.close()));
}

/** Inputs that keep a case quick: short backoff, probe and download bounds. */
export const FAST_INPUTS = { 'retry-backoff': '100ms', 'probe-timeout': '1500ms', 'download-timeout': '20s' };

/**
 * Anything that is not loopback goes to a dead loopback port: the go
 * command's direct mode (example.com/...?go-get=1) and any stray request fail
 * at once instead of reaching a resolver or the internet.
 */
export const NO_EGRESS = {
  HTTPS_PROXY: 'http://127.0.0.1:9',
  HTTP_PROXY: 'http://127.0.0.1:9',
  NO_PROXY: '127.0.0.1,localhost',
};

export interface GuardCase {
  lab: string;
  project: GoProject;
  /** The go environment of the job (hermetic: only the lab CA, GOPROXY=off unless set). */
  env: Record<string, string>;
  run(inputs: Record<string, string>, opts?: RunActionOptions): Promise<ActionResult & { report: GuardReport }>;
  post(main: ActionResult, opts?: RunActionOptions): Promise<ActionResult>;
  /** Run go in the project with the job's environment (plus overrides), as a later step would. */
  go(args: string[], env?: Record<string, string>): ReturnType<typeof runGo>;
}

// The report as tests read it (loosely typed: tests assert on its JSON).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type GuardReport = any;

/** The rungs of a run's ladder as `step:outcome`, from its report. */
export const rungs = (r: { report: GuardReport }): string[] =>
  r.report.warm.ladder.map((x: { step: string; outcome: string }) => `${x.step}:${x.outcome}`);

export function guardCase(
  name: string,
  opts: Partial<GoProjectOptions> & { goEnv?: Record<string, string | undefined>; projectDir?: string } = {},
): GuardCase {
  const lab = makeLabDir(name);
  const pki = ensureLabPki();
  const dir = opts.projectDir ?? path.join(lab, 'project');
  const project = makeGoProject(dir, { requires: [BETA, UPPER, GAMMA], world, ...opts });
  const env = {
    ...hermeticGoEnv(lab, { GOPROXY: 'direct', ...NO_EGRESS, ...opts.goEnv }),
    NODE_EXTRA_CA_CERTS: pki.caCert,
  };
  const c: GuardCase = {
    lab,
    project,
    env,
    async run(inputs, runOpts = {}) {
      const r = await runAction({ cwd: dir, timeoutMs: 120_000, ...runOpts, inputs, env: { ...env, ...runOpts.env } });
      let report: GuardReport;
      try {
        report = JSON.parse(readFileSync(r.outputs.report ?? '', 'utf8'));
      } catch {
        report = undefined;
      }
      return { ...r, report };
    },
    post: (main, runOpts = {}) => runPost(main, { ...runOpts, env: { ...env, ...runOpts.env } }),
    go: (args, extra = {}) => runGo(args, { cwd: dir, env: { ...env, ...extra }, timeoutMs: 60_000 }),
  };
  return c;
}
