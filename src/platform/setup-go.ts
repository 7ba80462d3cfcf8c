import * as fs from 'node:fs/promises';
import * as path from 'node:path';

/**
 * Whether this job's workflow also runs actions/setup-go with its cache on
 * (the default since setup-go v4): it saves GOCACHE and GOMODCACHE under its
 * own keys, so both tools would upload the same files. The workflow file is
 * read from the checkout (GITHUB_WORKFLOW_REF names it); a step without
 * `cache: false` on v4 or later, or with `cache: true`, has its cache on.
 * Returns the step's `uses:` when it does, undefined when not or unknown.
 */
export async function setupGoCacheOn(env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const ref = env.GITHUB_WORKFLOW_REF ?? '';
  const m = /^[^/]+\/[^/]+\/(.+?)@/.exec(ref);
  if (!m || !env.GITHUB_WORKSPACE) return undefined;
  const text = await fs.readFile(path.join(env.GITHUB_WORKSPACE, m[1] as string), 'utf8').catch(() => undefined);
  return text === undefined ? undefined : setupGoCacheStep(text);
}

/** `cache: false` on its own line or inside a flow mapping (`with: { cache: false }`). */
const CACHE_INPUT = /(?:^|[\s{,])cache:\s*['"]?(\w+)/;

/** The `uses:` of the first actions/setup-go step with its cache on, from a workflow's text. */
export function setupGoCacheStep(workflow: string): string | undefined {
  const lines = workflow.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const uses = /^(\s*)(-\s+)?uses:\s*['"]?(actions\/setup-go@([^\s'"#]+))/.exec(lines[i] as string);
    if (!uses) continue;
    // The step is the lines up to the next "- " at the step's own indentation or less.
    const stepIndent = (uses[1] as string).length;
    let cache: string | undefined;
    // uses: is not the step's first key: the keys above it, up to the step's "- ", belong to it too.
    for (let j = i - 1; !uses[2] && j >= 0; j--) {
      const c = CACHE_INPUT.exec(lines[j] as string);
      if (c) cache = c[1];
      if (/^\s*-\s/.test(lines[j] as string)) break;
    }
    for (let j = i + 1; j < lines.length; j++) {
      const line = lines[j] as string;
      if (line.trim() === '' || line.trim().startsWith('#')) continue;
      const indent = line.length - line.trimStart().length;
      if (indent <= stepIndent && /^\s*-\s/.test(line)) break;
      if (indent < stepIndent) break;
      const c = CACHE_INPUT.exec(line);
      if (c) cache = c[1];
    }
    const major = Number(/^v(\d+)/.exec(uses[4] as string)?.[1] ?? 'NaN');
    // A SHA or branch pin: assume a current release (cache on by default).
    const defaultOn = Number.isNaN(major) || major >= 4;
    if (cache === 'true' || (cache === undefined && defaultOn)) return uses[3];
  }
  return undefined;
}
