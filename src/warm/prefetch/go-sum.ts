/** One line of go.sum (or go.work.sum): the h1: of a module's zip, or of its go.mod alone. */
export interface SumLine {
  path: string;
  version: string;
  kind: 'zip' | 'mod';
  h1: string;
}

/**
 * go.sum as the go command writes it: `<path> <version> h1:<hash>` for the
 * zip, `<path> <version>/go.mod h1:<hash>` for the go.mod. Lines with other
 * hash algorithms (or garbled ones) are skipped: nothing can be checked
 * early against them, so the go command is left to fetch those files.
 */
export function parseGoSum(text: string): SumLine[] {
  const out: SumLine[] = [];
  for (const raw of text.split('\n')) {
    const f = raw.trim().split(/\s+/);
    if (f.length !== 3) continue;
    const [path, ver, h1] = f as [string, string, string];
    if (!/^h1:[A-Za-z0-9+/]{43}=$/.test(h1)) continue;
    const mod = ver.endsWith('/go.mod');
    out.push({ path, version: mod ? ver.slice(0, -'/go.mod'.length) : ver, kind: mod ? 'mod' : 'zip', h1 });
  }
  return out;
}
