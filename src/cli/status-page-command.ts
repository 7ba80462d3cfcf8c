import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { statusFromFile } from '../history/status.js';
import { stylesFor } from '../platform/terminal.js';
import { renderStatusPage } from '../report/status-page/page.js';
import { COMMANDS, EXIT } from './commands.js';
import { optionValue, type CommandLine } from './flags.js';
import { CLI_SCHEMA, localStateFile, type CliIo } from './guard-command.js';

/** A --from file larger than this is not a status document or a state file (500 runs of 10 proxies are ~1 MB). */
const SOURCE_MAX_BYTES = 32 * 1024 * 1024;

/** The file a page goes to: --out as given, or index.html inside a directory (one that exists, or a path ending in a slash). */
async function pageFile(out: string, cwd: string): Promise<string> {
  const target = path.resolve(cwd, out);
  const isDir =
    /[/\\]$/.test(out) ||
    (await fs.stat(target).then(
      (s) => s.isDirectory(),
      () => false,
    ));
  return isDir ? path.join(target, 'index.html') : target;
}

class SourceError extends Error {}

async function readSource(file: string): Promise<unknown> {
  const stat = await fs.stat(file).catch(() => undefined);
  if (!stat?.isFile()) throw new SourceError(`--from ${file}: no such file (a status.json, or a state file)`);
  if (stat.size > SOURCE_MAX_BYTES)
    throw new SourceError(`--from ${file}: ${stat.size} bytes is too large for a status document or a state file`);
  try {
    return JSON.parse(await fs.readFile(file, 'utf8'));
  } catch (err) {
    throw new SourceError(`--from ${file}: not JSON (${(err as Error).message})`);
  }
}

/** status-page: a status document or a kept history in, status.html out; probes nothing. */
export async function runStatusPageCommand(cl: CommandLine, io: CliIo): Promise<number> {
  const json = cl.options.json === true;
  const option = (name: string) =>
    optionValue(
      cl,
      COMMANDS['status-page'].options.find((o) => o.name === name),
      io.env,
    );
  const from = path.resolve(io.cwd, option('from') ?? localStateFile(io.env, io.cwd));
  const print = (doc: Record<string, unknown>) =>
    io.stdout.write(`${JSON.stringify({ schema: CLI_SCHEMA, command: 'status-page', ...doc }, null, 2)}\n`);
  try {
    const raw = await readSource(from);
    let doc;
    try {
      doc = statusFromFile(raw, { repository: undefined, workflow: undefined });
    } catch (err) {
      throw new SourceError(`--from ${from}: ${(err as Error).message}`);
    }
    const html = renderStatusPage(doc);
    const file = await pageFile(option('out') ?? 'status.html', io.cwd);
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.writeFile(file, html);
    const bytes = Buffer.byteLength(html);
    const facts = { page: file, bytes, verdict: doc.verdict, proxies: doc.proxies.length, runs: doc.runs?.length ?? 0 };
    if (json) print({ exitCode: EXIT.ok, ...facts });
    else if (cl.options.quiet === true) io.stdout.write(`${file}\n`);
    else
      io.stdout.write(
        `status page: ${file} (${Math.ceil(bytes / 1024)} KiB; ${doc.verdict}, ${facts.proxies} proxies, ${facts.runs} kept runs, from ${from})\n`,
      );
    return EXIT.ok;
  } catch (err) {
    const usage = err instanceof SourceError;
    const message = usage ? (err as Error).message : `go-proxy-guard status-page failed: ${(err as Error).stack ?? err}`;
    io.stderr.write(`${stylesFor(io.stderr, io.env).red(`error: ${message}`)}\n`);
    const exitCode = usage ? EXIT.usage : EXIT.internal;
    if (json) print({ exitCode, error: message });
    return exitCode;
  }
}
