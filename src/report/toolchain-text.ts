import type { ToolchainReport } from '../model/run-report.js';

const SOURCE_WORDS: Record<ToolchainReport['source'], string> = {
  path: 'found on PATH: the go command runs it, nothing to download',
  'module-cache': 'already in the module cache',
  'ci-cache': 'restored with the CI cache',
  proxy: 'downloaded',
  direct: 'downloaded direct from its origin',
  failed: 'could not be obtained',
  'not-warmed': 'not fetched ahead (prewarm is off): the first go command downloads it through GOPROXY',
  invalid: 'refused',
};

const RUNG_WORDS: Record<string, string> = { proxy: 'first try', retry: 'after retries', direct: 'direct', cache: 'offline' };

/** What asked for the toolchain, as a reader finds it: `toolchain go1.27.3` at go.mod:5 (the file relative to the project). */
export function requestedByText(t: ToolchainReport, root = ''): string {
  const by = t.requestedBy;
  if (!by) return '';
  if (!by.file) return by.text;
  const inRoot = root && (by.file.startsWith(`${root}/`) || by.file.startsWith(`${root}\\`));
  return `${by.text} at ${inRoot ? by.file.slice(root.length + 1) : by.file}:${by.line}`;
}

/**
 * One plain sentence: which toolchain, asked by what, on which go, and how
 * it was obtained (the proxy, the rung, the time), or why it could not be.
 */
export function toolchainSentence(t: ToolchainReport, root = ''): string {
  if (t.source === 'invalid') return `Go toolchain: every go command in the project stops on the setting: ${t.problem ?? 'invalid'}`;
  const asked = `${t.name} (asked by ${requestedByText(t, root)}; the runner has ${t.local}, GOTOOLCHAIN=${t.gotoolchain || '(empty)'})`;
  const took = t.ms !== undefined ? ` in ${(t.ms / 1000).toFixed(1)} s` : '';
  const rung = t.step && RUNG_WORDS[t.step] ? `, ${RUNG_WORDS[t.step]}` : '';
  const from = t.source === 'proxy' && t.proxy ? ` from ${t.proxy}` : '';
  const what =
    t.source === 'failed'
      ? `${SOURCE_WORDS.failed}${took}: ${t.diagnosis?.message ?? 'unknown failure'}`
      : `${SOURCE_WORDS[t.source]}${from}${t.source === 'proxy' || t.source === 'direct' ? rung : ''}${took}`;
  const check = t.switched ? `; with GOPROXY=off the project's go says "${t.switched}"` : '';
  return `Go toolchain ${asked}: ${what}${check}.`;
}

/** What to do when the toolchain failed or was refused; undefined when nothing is wrong with it. */
export function toolchainAdvice(t: ToolchainReport, root = ''): string | undefined {
  if (t.source === 'invalid')
    return `Fix GOTOOLCHAIN or the go/toolchain line of go.mod (go.work): ${t.problem}. No go command runs in the project until then.`;
  if (t.source !== 'failed') return undefined;
  const where = requestedByText(t, root) || 'GOTOOLCHAIN';
  if (t.diagnosis?.code === 'unknown-revision')
    return `No proxy has ${t.module ?? t.name}: check ${where} names a released Go version (go1.N.P) for this platform, or set GOTOOLCHAIN=local to build with ${t.local} if the project allows it; re-running will not help.`;
  if (t.diagnosis?.class === 'transient')
    return `The proxies failed to deliver ${t.name}: re-run when they recover; once a run has it, the saved module cache carries the toolchain (and its checksum-database proof) through the next outage.`;
  return `${t.name} (${where}) could not be made usable: ${t.diagnosis?.message ?? 'unknown failure'}.`;
}
