/**
 * One entry of a GOPROXY list, as data: a proxy, with whether the go command
 * falls back from it on any error ("|") or only on 404/410 (","); or one of
 * the words that end the list. Reading and writing the GOPROXY grammar is
 * goproxy/chain.ts's alone; the report carries these entries as they are.
 */
export type ChainEntry = { kind: 'proxy'; url: string; fallBackOnError: boolean } | { kind: 'direct' } | { kind: 'off' };

/** How a chain ends: with direct (fetch from the origin), off (no network beyond it), or with its last proxy. */
export type ChainEnd = 'direct' | 'off' | 'none';
