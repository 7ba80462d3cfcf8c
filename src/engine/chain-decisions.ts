import type { Config } from '../config/config.js';
import { defaultCandidates } from '../goproxy/candidates.js';
import { terminalOf, type Chain, type ChainEnd } from '../goproxy/chain.js';

/** What every chain of the run is made of, decided once before anything is probed. */
export interface ChainDecisions {
  /** The proxies to probe: the proxies input, else the user's GOPROXY entries and proxy.golang.org. */
  candidates: string[];
  /** How every chain the run exports ends. */
  end: ChainEnd;
  /**
   * The end an override of direct or off forces: nothing is probed, no
   * local proxy stands in front, and the gate does not count healthy proxies.
   */
  forcedEnd: 'direct' | 'off' | undefined;
}

/**
 * An override of direct or off ends the chain with what it says; else "off"
 * in the user's GOPROXY is kept (it forbids the network beyond the proxies:
 * never replaced with direct); else direct where the direct input allows it.
 */
export function chainDecisions(config: Pick<Config, 'proxies' | 'override' | 'direct'>, userChain: Chain): ChainDecisions {
  const forcedEnd = config.override && config.override.mode !== 'proxies' ? config.override.mode : undefined;
  const end = forcedEnd ?? (terminalOf(userChain) === 'off' ? 'off' : config.direct ? 'direct' : 'none');
  return { candidates: config.proxies ?? defaultCandidates(userChain), end, forcedEnd };
}
