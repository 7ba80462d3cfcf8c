/**
 * The built-in demo world: three loopback Go module proxies (one healthy, one
 * slow, one failing with 503), a small Go project, and a local cache service.
 * It runs the bundled action exactly as a GitHub runner would and shows what
 * a user sees: the ranked table, the exported GOPROXY and the warmed cache.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { startCacheServer } from '../__tests__/lab/cache-server.js';
import { closeLabServers, guardCase, labProxy } from '../__tests__/lab/guard-case.js';
import { runPost } from '../__tests__/lab/runner.js';

const shown = (stdout: string) =>
  stdout
    .split('\n')
    .filter((l) => !/^::(add-mask|group|endgroup|save-state|set-output|debug)/.test(l))
    // An annotation as the run page shows it: its title, then its message.
    .map((l) =>
      l
        .replace(
          /^::(warning|error|notice)(?: title=([^:]*))?::/,
          (_, level: string, title?: string) => `${level}: ${title ? `${decodeURIComponent(title)}: ` : ''}`,
        )
        .replace(/%0A/g, '\n  '),
    )
    .join('\n');

async function main(): Promise<void> {
  const healthy = await labProxy('ok', { tls: 'valid' });
  const slow = await labProxy({ slow: 350 });
  const failing = await labProxy({ status: 503 });
  const cache = await startCacheServer({ protocol: 'v2' });
  const c = guardCase('demo');
  console.log('go-proxy-guard demo: three proxies on 127.0.0.1 and a Go project with four dependencies');
  console.log(
    `  healthy  ${healthy.url}\n  slow     ${slow.url} (350 ms per answer)\n  failing  ${failing.url} (HTTP 503)\n  project  ${c.project.dir}\n`,
  );
  try {
    const proxies = [failing.url, slow.url, healthy.url].join('\n');
    const main = await c.run({ proxies }, { env: cache.env });
    console.log(shown(main.stdout));
    const post = await runPost(main, { env: { ...c.env, ...cache.env } });
    console.log(shown(post.stdout));
    console.log('outputs:');
    for (const [k, v] of Object.entries(main.outputs))
      console.log(`  ${k.padEnd(14)} ${k === 'report' ? path.relative(process.cwd(), v) : v}`);
    console.log(`exported to later steps: GOPROXY=${main.exportedEnv.GOPROXY}`);
    const summary = path.join(c.lab, 'step-summary.md');
    writeFileSync(summary, main.summary);
    console.log(`job summary (Markdown): ${path.relative(process.cwd(), summary)}`);
    if (post.summary) {
      const serve = path.join(c.lab, 'post-step-summary.md');
      writeFileSync(serve, post.summary);
      console.log(`post step summary (Markdown): ${path.relative(process.cwd(), serve)}`);
    }
    process.exitCode = main.code ?? 1;
  } finally {
    await closeLabServers();
    await cache.close();
  }
}

await main();
