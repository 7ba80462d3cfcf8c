/**
 * npm run bench:status-page: the status page at its largest.
 *
 * Builds the page for HISTORY runs (default 500, history-size's maximum) of
 * 10 proxies, from a kept history made up by a seeded generator
 * (__tests__/lab/status-history.ts): a typical one (outages, slow spells,
 * wandering latency) and the worst case for size (every proxy down every
 * other run: the most shapes, tooltips and outages a page can hold). Prints
 * the build time in Node, the page's size, and the render time in headless
 * chromium: navigation start to the load event's end and to two frames
 * painted after it, by the page's own clock, median of REPS visits at
 * 1280 px and at 390 px, next to an empty page's. The pages are left in
 * .lab/bench-status-page/ to look at.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Browser } from '../__tests__/lab/chromium.js';
import { labRoot } from '../__tests__/lab/paths.js';
import { syntheticHistory, syntheticStatus, TEN_PROXIES } from '../__tests__/lab/status-history.js';
import { renderStatusPage } from '../src/report/status-page/page.js';

const HISTORY = Number(process.env.BENCH_HISTORY ?? 500);
const REPS = Number(process.env.BENCH_REPS ?? 5);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

async function main(): Promise<void> {
  const dir = path.join(labRoot, 'bench-status-page');
  mkdirSync(dir, { recursive: true });
  const end = new Date('2026-12-01T09:17:00Z');
  const empty = path.join(dir, 'empty.html');
  writeFileSync(empty, '<!doctype html><html><head><meta charset="utf-8"><title>empty</title></head><body></body></html>\n');
  const cases = [
    { name: 'typical', history: syntheticHistory({ runs: HISTORY, end, proxies: TEN_PROXIES }) },
    { name: 'worst case (every other run down)', history: syntheticHistory({ runs: HISTORY, end, proxies: TEN_PROXIES, flapping: true }) },
  ];
  const browser = await Browser.launch();
  try {
    const visits = async (file: string, width: number) => {
      const load: number[] = [];
      const painted: number[] = [];
      for (let i = 0; i < REPS; i++) {
        const v = await browser.visit(pathToFileURL(file).href, { width, mobile: width < 500 });
        if (v.requests.length !== 1) throw new Error(`${file} made requests: ${v.requests.join(', ')}`);
        load.push(v.loadMs);
        painted.push(v.paintedMs);
      }
      return `${median(load).toFixed(0)} ms to load, ${median(painted).toFixed(0)} ms to paint`;
    };
    console.log(`status page: ${HISTORY} runs x ${TEN_PROXIES.length} proxies, median of ${REPS} visits in headless chromium`);
    console.log(`empty page        1280 px: ${await visits(empty, 1280)}`);
    for (const c of cases) {
      const doc = syntheticStatus(c.history);
      const t0 = performance.now();
      const html = renderStatusPage(doc);
      const buildMs = performance.now() - t0;
      const file = path.join(dir, `${c.name.split(' ')[0]}.html`);
      writeFileSync(file, html);
      const kb = (Buffer.byteLength(html) / 1024).toFixed(0);
      console.log(`${c.name}: ${kb} KiB (${Buffer.byteLength(html)} bytes), built in ${buildMs.toFixed(0)} ms, ${file}`);
      console.log(`  1280 px: ${await visits(file, 1280)}`);
      console.log(`   390 px: ${await visits(file, 390)}`);
    }
  } finally {
    await browser.close();
  }
}

await main();
