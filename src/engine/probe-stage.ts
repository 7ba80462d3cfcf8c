import type { Config } from '../config/config.js';
import { buildChain, offline, type Chain, type ChainEnd } from '../goproxy/chain.js';
import { sumdbName } from '../go/go-env.js';
import { assessProxy, withWarmFailure } from '../health/proxy-health.js';
import type { ProxyHealth, Verdict } from '../model/verdict.js';
import { probeVerdict, rankProxies } from '../health/rank.js';
import { SLOW_ANSWER_MS, fitProbe, planProbe, planShape, sampleModules, type ProbeFit } from '../probe/plan.js';
import { probeProxy, type ProbeResult } from '../probe/probe-proxy.js';
import { failure, gravity, type Failure } from '../diagnosis/failure.js';
import type { Platform } from '../platform/platform.js';
import type { Prepared } from './prepare-stage.js';
import { proxyTable } from '../report/table.js';
import type { LadderPlan } from '../warm/ladder.js';

export interface ProbeOutcome {
  candidates: string[];
  ranked: ProxyHealth[];
  chain: Chain;
  verdict: Verdict;
  healthy: ProxyHealth[];
  probed: string[];
  durationMs: number;
  notes: string[];
  /** The plan as fitted to the deadline. */
  fit: ProbeFit;
}

export interface ProbeRun {
  /**
   * Resolves once warming may begin: every proxy is probed, or a healthy
   * proxy has finished and a short grace has passed. Holds the healthy
   * proxies known by then, best first.
   */
  early: Promise<string[]>;
  /** The healthy proxies known now, best first (the full ranking once done). */
  healthyNow(): string[];
  /**
   * Stop waiting for stragglers once the cache is warm: they are cut off
   * exactly as the deadline would (what they answered counts, the rest is not
   * measured), once they have had `stragglerWaitMs` since the probe began, so
   * a hung proxy need not hold a finished job.
   */
  release(): void;
  done: Promise<ProbeOutcome>;
}

/** The proxies the warm goes through, as the probe knows them while it finishes. */
export interface WarmProxies {
  /** The healthy proxies known when warming began, best first. */
  healthy: string[];
  /** The usable proxies known now (the full ranking once the probe is done). */
  refresh?: () => string[];
  probeDone?: Promise<unknown>;
  directAllowed: boolean;
}

/** The proxy rungs of a ladder (the modules' or the toolchain's): these proxies, the probe's wait, the retry policy. */
export function proxyRungs(
  config: Pick<Config, 'probe' | 'warm'>,
  proxies: WarmProxies,
): Pick<LadderPlan, 'proxies' | 'refresh' | 'probeDone' | 'probeWaitMs' | 'retries' | 'backoffMs' | 'directAllowed'> {
  return {
    proxies: proxies.healthy,
    refresh: proxies.refresh,
    probeDone: proxies.probeDone,
    probeWaitMs: config.probe.timeoutMs,
    retries: config.warm.retries,
    backoffMs: config.warm.backoffMs,
    directAllowed: proxies.directAllowed,
  };
}

/**
 * How long warming waits after the first healthy proxy, so that near-equal
 * ones make the first chain too: a quarter of the time it took, at most
 * 200 ms. Later attempts use the full ranking anyway.
 */
const GRACE_SHARE = 0.25;
const GRACE_MAX_MS = 200;

/** Probe every candidate concurrently; rank and build the chain to export as they finish. */
export function startProbes(run: Prepared): ProbeRun {
  const { config, goEnv, project, credentials, candidates } = run;
  const started = performance.now();
  const notes: string[] = [];
  const publicReqs = project.requirements.filter((r) => !r.private);
  const sample = sampleModules(publicReqs, config.probe.modules);
  if (project.layout === 'none') notes.push(`no go.mod or go.work in ${project.root}: probed with a well-known module instead`);
  else if (sample.length === 0) notes.push('the project requires no public modules: probed with a well-known module instead');
  const sumdb = sumdbName(goEnv.GOSUMDB);
  const fit = fitProbe({
    ...planShape({ modules: sample.length, sumdb }),
    samples: config.probe.samples,
    deadlineMs: config.probe.timeoutMs,
  });
  if (fit.samples < config.probe.samples) {
    notes.push(
      `probe-samples ${config.probe.samples} cannot be answered by a ${SLOW_ANSWER_MS} ms proxy within probe-timeout ${config.probe.timeoutMs} ms: probed with ${fit.samples}`,
    );
  }
  const plan = planProbe({ modules: sample, samples: fit.samples, sumdb });

  let releaseCut: () => void = () => {};
  const cut = new Promise<void>((resolve) => (releaseCut = resolve));
  const finished = new Map<string, ProxyHealth>();
  let resolveEarly: (healthy: string[]) => void = () => {};
  const early = new Promise<string[]>((resolve) => (resolveEarly = resolve));
  const healthyNow = () => usable(rankProxies([...finished.values()])).map((p) => p.url);

  const probes = candidates.map((url) =>
    probeProxy(url, plan, {
      deadlineMs: config.probe.timeoutMs,
      credentials,
      cut,
      concurrency: fit.concurrency,
      latencyMaxMs: config.score.latencyMaxMs,
    })
      // A probe that throws is a proxy that could not be asked: down, with the reason, never a crashed run.
      .catch((err: unknown): ProbeResult => unaskable(url, plan, err))
      .then((result) => {
        const health = assessProxy(result, config.score, config.minScore);
        finished.set(url, health);
        if (finished.size === candidates.length) resolveEarly(healthyNow());
        else if (health.verdict === 'healthy') {
          const grace = Math.min(GRACE_MAX_MS, GRACE_SHARE * (performance.now() - started));
          setTimeout(() => resolveEarly(healthyNow()), grace).unref();
        }
        return health;
      }),
  );

  if (candidates.length === 0) resolveEarly([]);
  const done = Promise.all(probes).then((all) =>
    finishProbe(config, all, {
      candidates,
      end: run.end,
      forced: run.forcedEnd,
      notes,
      fit,
      probed: sample.map((m) => `${m.path}@${m.version}`),
      started,
    }),
  );

  return {
    early,
    healthyNow,
    release: () => {
      const wait = Math.max(0, stragglerWaitMs([...finished.values()], config.score.latencyMaxMs) - (performance.now() - started));
      setTimeout(releaseCut, wait).unref();
    },
    done,
  };
}

/** Stragglers get at least this long: a far mirror's first answers (600-800 ms) are in by then. */
const STRAGGLER_FLOOR_MS = 1000;
/** ... and three times the slowest p95 among the proxies that finished, as the probe's own hang rule. */
const STRAGGLER_FACTOR = 3;

/**
 * How long, from the start of the probe, a warm job still waits for proxies
 * that have not finished: never past `latency-max` (where the latency score
 * is zero), and no longer than a few times what the finished proxies needed.
 */
export function stragglerWaitMs(finished: ProxyHealth[], latencyMaxMs: number): number {
  const p95s = finished.map((p) => p.latencyMs.p95).filter((ms): ms is number => ms !== null);
  const slowest = p95s.length > 0 ? Math.max(...p95s) : latencyMaxMs;
  return Math.min(latencyMaxMs, Math.max(STRAGGLER_FLOOR_MS, STRAGGLER_FACTOR * slowest));
}

/** A probe that throws is a proxy that could not be asked: every planned request failed, with the reason. */
function unaskable(url: string, plan: ReturnType<typeof planProbe>, err: unknown): ProbeResult {
  return {
    url,
    tls: null,
    outcomes: plan.map((r) => ({ kind: r.kind, ms: 0, ok: false, failure: failure('other', `probe failed: ${(err as Error).message}`) })),
    stale: [],
    durationMs: 0,
    notWaitedFor: 0,
    notMeasured: 0,
  };
}

/** Rank every finished probe and build the chain to export from them. */
function finishProbe(
  config: Config,
  all: ProxyHealth[],
  o: {
    candidates: string[];
    end: ChainEnd;
    forced: 'direct' | 'off' | undefined;
    notes: string[];
    fit: ProbeFit;
    probed: string[];
    started: number;
  },
): ProbeOutcome {
  const { end, forced, notes } = o;
  const ranked = rankProxies(all);
  const healthy = ranked.filter((p) => p.verdict === 'healthy');
  if (end === 'off') notes.push('GOPROXY ends with off: the exported chain keeps off instead of direct');
  // A slow proxy that answers correctly is still a path: after the faster ones.
  const chosen = usable(ranked).map((p) => p.url);
  if (healthy.length === 0 && chosen.length > 0) notes.push('no proxy reached min-score: exporting the slow ones that still answered');
  const chain = buildChain({ proxies: chosen, fallback: config.fallback, terminal: end });
  if (chain.length === 0) notes.push('no proxy is usable and direct is false: GOPROXY=off');
  if (forced) notes.push(`override: no proxy probed, GOPROXY=${forced}`);
  return {
    candidates: o.candidates,
    ranked,
    chain: chain.length === 0 ? offline() : chain,
    // Nothing probed on purpose is not an outage: the override itself makes the run degraded.
    verdict: forced ? 'degraded' : probeVerdict(ranked),
    healthy,
    probed: o.probed,
    durationMs: Math.round(performance.now() - o.started),
    notes,
    fit: o.fit,
  };
}

/** The proxies worth exporting, best first: healthy, then slow. */
const usable = (ranked: ProxyHealth[]): ProxyHealth[] => ranked.filter((p) => p.verdict === 'healthy' || p.verdict === 'slow');

/**
 * Fold what the warm found into the probe's outcome: a proxy that failed
 * while warming carries the failure, drops in the ranking, and leaves the
 * exported chain when broken (a transient failure only sends it to the end).
 */
export function applyWarmFailures(
  config: Config,
  probe: ProbeOutcome,
  end: ChainEnd,
  failures: { url: string; failure: Failure }[],
): ProbeOutcome {
  if (failures.length === 0) return probe;
  // Every failure of a proxy, the gravest last: a proxy caught serving an altered file is broken, whatever timed out after.
  const byGravity = [...failures].sort((a, b) => gravity(a.failure.class) - gravity(b.failure.class));
  const ranked = rankProxies(
    probe.ranked.map((p) => byGravity.filter((x) => x.url === p.url).reduce((q, f) => withWarmFailure(q, f.failure), p)),
  );
  const failed = new Set(failures.map((f) => f.url));
  const keep = usable(ranked).map((p) => p.url);
  const later = ranked.filter((p) => failed.has(p.url) && p.verdict === 'down').map((p) => p.url);
  const chain = buildChain({ proxies: [...keep, ...later], fallback: config.fallback, terminal: end });
  return {
    ...probe,
    ranked,
    healthy: ranked.filter((p) => p.verdict === 'healthy'),
    verdict: probeVerdict(ranked),
    chain: chain.length === 0 ? offline() : chain,
  };
}

/** The final ranking, with what the warm found folded in; its table is printed inside its group, where a reader who opens it looks. */
export function rankStage(
  run: Prepared,
  probes: ProbeRun,
  warmFailures: { url: string; failure: Failure }[],
  platform: Platform,
  shown: (url: string) => string,
): Promise<ProbeOutcome> {
  return platform.group('Probing Go module proxies', async () => {
    const done = applyWarmFailures(run.config, await probes.done, run.end, warmFailures);
    platform.info(proxyTable(done.ranked.map((p) => ({ ...p, url: shown(p.url) }))));
    return done;
  });
}
