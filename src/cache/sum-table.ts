/** go.sum lines, "<path> <version>[/go.mod]" -> every h1: hash recorded for it. */
export type SumTable = Map<string, Set<string>>;

export function parseGoSum(content: string, into: SumTable = new Map()): SumTable {
  for (const line of content.split('\n')) {
    const [mod, version, hash] = line.trim().split(/\s+/);
    if (!mod || !version || !hash?.startsWith('h1:')) continue;
    const id = `${mod} ${version}`;
    if (!into.has(id)) into.set(id, new Set());
    into.get(id)?.add(hash);
  }
  return into;
}
