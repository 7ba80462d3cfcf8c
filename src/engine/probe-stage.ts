import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Config } from '../config/config.js';
import { buildChain, parseGoproxy, terminalOf, type Chain } from '../goproxy/chain.js';
import { parseNetrc, type NetrcEntry } from '../goproxy/netrc.js';
import type { GoEnv } from '../go/go-env.js';
import { sumdbName } from '../go/go-env.js';
import { assessProxy, type ProxyHealth } from '../health/proxy-health.js';
import { probeVerdict, rankProxies, type Verdict } from '../health/rank.js';
import { planProbe, sampleModules } from '../probe/plan.js';
import { probeProxy } from '../probe/probe-proxy.js';
import type { Project } from '../project/discover.js';
import { defaultCandidates } from './candidates.js';

export interface ProbeOutcome {
  candidates: string[];
  ranked: ProxyHealth[];
  chain: Chain;
  verdict: Verdict;
  healthy: ProxyHealth[];
  probed: string[];
  durationMs: number;
  notes: string[];
}

/** Credentials as the go command finds them: $NETRC, else ~/.netrc. */
export async function readNetrc(env: NodeJS.ProcessEnv): Promise<NetrcEntry[]> {
  const file = env.NETRC || path.join(env.HOME || os.homedir(), '.netrc');
  const text = await fs.readFile(file, 'utf8').catch(() => '');
  return parseNetrc(text);
}

/** Probe every candidate concurrently, score, rank, and build the chain to export. */
export async function probeStage(config: Config, goEnv: GoEnv, project: Project, netrc: NetrcEntry[]): Promise<ProbeOutcome> {
  const started = performance.now();
  const notes: string[] = [];
  const candidates = config.proxies ?? defaultCandidates(goEnv.GOPROXY);
  const publicReqs = project.requirements.filter((r) => !r.private);
  const sample = sampleModules(publicReqs, config.probe.modules);
  if (project.layout === 'none') notes.push(`no go.mod or go.work in ${project.root}: probed with a well-known module instead`);
  else if (sample.length === 0) notes.push('the project requires no public modules: probed with a well-known module instead');
  const plan = planProbe({ modules: sample, samples: config.probe.samples, sumdb: sumdbName(goEnv.GOSUMDB) });

  const probes = await Promise.all(
    candidates.map((url) => probeProxy(url, plan, { deadlineMs: config.probe.timeoutMs, netrc })),
  );
  const ranked = rankProxies(probes.map((p) => assessProxy(p, config.score, config.minScore)));
  const healthy = ranked.filter((p) => p.verdict === 'healthy');
  const userTerminal = terminalOf(parseGoproxy(goEnv.GOPROXY));
  // "off" in the user's GOPROXY forbids the network beyond the proxies; never replace it with direct.
  const terminal = userTerminal === 'off' ? 'off' : config.direct ? 'direct' : 'none';
  if (userTerminal === 'off') notes.push('GOPROXY ends with off: the exported chain keeps off instead of direct');
  let chosen = healthy.map((p) => p.url);
  if (chosen.length === 0) {
    // With nothing healthy, a slow proxy is still better than none.
    chosen = ranked.filter((p) => p.verdict === 'slow').map((p) => p.url);
    if (chosen.length > 0) notes.push('no proxy reached min-score: exporting the slow ones that still answered');
  }
  const chain = buildChain({ proxies: chosen, fallback: config.fallback, terminal });
  if (chain.length === 0) notes.push('no proxy is usable and direct is false: GOPROXY=off');
  return {
    candidates,
    ranked,
    chain: chain.length === 0 ? [{ kind: 'off' }] : chain,
    verdict: probeVerdict(ranked),
    healthy,
    probed: sample.map((m) => `${m.path}@${m.version}`),
    durationMs: Math.round(performance.now() - started),
    notes,
  };
}
