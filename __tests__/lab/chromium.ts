/**
 * Debian's chromium, headless, driven over the DevTools protocol on a pipe
 * (`--remote-debugging-pipe`: NUL-separated JSON on fds 3 and 4), so a test
 * can open a page, read its DOM, record every request it makes, measure its
 * load, and keep screenshots, with no library and no port. Flags that work
 * as root with no network (inside `unshare -n` too).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { killGroup } from './go.js';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--no-default-browser-check',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-extensions',
  '--disable-dev-shm-usage',
  '--hide-scrollbars',
  '--mute-audio',
  '--remote-debugging-pipe',
];

type Json = Record<string, unknown>;
interface Message {
  id?: number;
  method?: string;
  params?: Json;
  result?: Json;
  error?: { message: string };
  sessionId?: string;
}

export interface PageVisit {
  /** Every URL the page asked for, its own included, in order. */
  requests: string[];
  /** Console messages and browser log entries (a CSP violation lands here). */
  log: string[];
  /** Navigation start to the load event's end, and to two frames painted after it, from the page's own clock. */
  loadMs: number;
  paintedMs: number;
  /** What `evaluate` returned (JSON). */
  result: unknown;
  /** Height of the whole page at this width, in CSS px. */
  pageHeight: number;
}

export interface VisitOptions {
  width: number;
  height?: number;
  /** A phone: the viewport meta tag applies, touch, no scrollbars. */
  mobile?: boolean;
  /** An expression (maybe a Promise) evaluated once the page has loaded; its JSON value comes back. */
  evaluate?: string;
  /** Write a PNG of the whole page here. */
  screenshot?: string;
}

export class Browser {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (m: Message) => void; reject: (e: Error) => void }>();
  private readonly listeners: ((m: Message) => void)[] = [];
  private buffer = '';

  private constructor(
    private readonly child: ChildProcess,
    private readonly profile: string,
  ) {
    const out = child.stdio[4] as Readable;
    out.setEncoding('utf8');
    out.on('data', (chunk: string) => {
      this.buffer += chunk;
      let end: number;
      while ((end = this.buffer.indexOf('\0')) >= 0) {
        const msg = JSON.parse(this.buffer.slice(0, end)) as Message;
        this.buffer = this.buffer.slice(end + 1);
        if (msg.id !== undefined && this.pending.has(msg.id)) {
          const p = this.pending.get(msg.id)!;
          this.pending.delete(msg.id);
          if (msg.error) p.reject(new Error(msg.error.message));
          else p.resolve(msg);
        } else for (const l of this.listeners) l(msg);
      }
    });
    child.on('exit', () => {
      for (const p of this.pending.values()) p.reject(new Error('chromium exited'));
      this.pending.clear();
    });
  }

  static async launch(): Promise<Browser> {
    if (!existsSync(CHROMIUM))
      throw new Error(`no chromium at ${CHROMIUM}: .ci/setup installs Debian's chromium (apt-get install chromium)`);
    const profile = mkdtempSync(path.join(os.tmpdir(), 'gpg-chromium-'));
    const child = spawn(CHROMIUM, [...FLAGS, `--user-data-dir=${profile}`, 'about:blank'], {
      stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'],
      detached: true,
    });
    child.stderr?.resume();
    const browser = new Browser(child, profile);
    await browser.send('Browser.getVersion');
    return browser;
  }

  send(method: string, params: Json = {}, sessionId?: string): Promise<Json> {
    const id = this.nextId++;
    const msg = JSON.stringify(sessionId ? { id, method, params, sessionId } : { id, method, params });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`chromium: ${method} got no answer in 30 s`)), 30_000);
      this.pending.set(id, {
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m.result ?? {});
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      (this.child.stdio[3] as Writable).write(`${msg}\0`);
    });
  }

  private waitFor(sessionId: string, method: string): Promise<Json> {
    return new Promise((resolve) => {
      const l = (m: Message) => {
        if (m.sessionId === sessionId && m.method === method) {
          this.listeners.splice(this.listeners.indexOf(l), 1);
          resolve(m.params ?? {});
        }
      };
      this.listeners.push(l);
    });
  }

  /** Open `url` in a fresh tab at the given size, record what it does, and close the tab. */
  async visit(url: string, opts: VisitOptions): Promise<PageVisit> {
    const { targetId } = (await this.send('Target.createTarget', { url: 'about:blank' })) as { targetId: string };
    const { sessionId } = (await this.send('Target.attachToTarget', { targetId, flatten: true })) as { sessionId: string };
    const requests: string[] = [];
    const log: string[] = [];
    const record = (m: Message) => {
      if (m.sessionId !== sessionId) return;
      const p = m.params as Json;
      if (m.method === 'Network.requestWillBeSent') requests.push(String((p.request as Json).url));
      if (m.method === 'Log.entryAdded') log.push(`${(p.entry as Json).level}: ${(p.entry as Json).text}`);
      if (m.method === 'Runtime.consoleAPICalled') log.push(`console.${p.type}`);
      if (m.method === 'Runtime.exceptionThrown') log.push(`exception: ${JSON.stringify(p.exceptionDetails)}`);
    };
    this.listeners.push(record);
    try {
      const s = (method: string, params: Json = {}) => this.send(method, params, sessionId);
      await Promise.all([s('Page.enable'), s('Network.enable'), s('Log.enable'), s('Runtime.enable')]);
      const height = opts.height ?? 900;
      await s('Emulation.setDeviceMetricsOverride', { width: opts.width, height, deviceScaleFactor: 1, mobile: opts.mobile ?? false });
      const loaded = this.waitFor(sessionId, 'Page.loadEventFired');
      await s('Page.navigate', { url });
      await loaded;
      const timing = await evaluate(
        s,
        `new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r({ load: performance.getEntriesByType('navigation')[0].loadEventEnd, painted: performance.now(), height: document.documentElement.scrollHeight }))))`,
      );
      const { load, painted, height: pageHeight } = timing as { load: number; painted: number; height: number };
      const result = opts.evaluate ? await evaluate(s, opts.evaluate) : undefined;
      if (opts.screenshot) {
        const shot = (await s('Page.captureScreenshot', {
          format: 'png',
          captureBeyondViewport: true,
          clip: { x: 0, y: 0, width: opts.width, height: Math.max(height, pageHeight), scale: 1 },
        })) as { data: string };
        writeFileSync(opts.screenshot, Buffer.from(shot.data, 'base64'));
      }
      return { requests, log, loadMs: load, paintedMs: painted, result, pageHeight };
    } finally {
      this.listeners.splice(this.listeners.indexOf(record), 1);
      await this.send('Target.closeTarget', { targetId }).catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    await this.send('Browser.close').catch(() => undefined);
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        killGroup(this.child.pid);
        resolve();
      }, 5_000);
      if (this.child.exitCode !== null || this.child.signalCode !== null) {
        clearTimeout(t);
        resolve();
      } else
        this.child.once('exit', () => {
          clearTimeout(t);
          resolve();
        });
    });
    rmSync(this.profile, { recursive: true, force: true });
  }
}

async function evaluate(s: (method: string, params?: Json) => Promise<Json>, expression: string): Promise<unknown> {
  const r = (await s('Runtime.evaluate', { expression, awaitPromise: true, returnByValue: true })) as {
    result: { value?: unknown };
    exceptionDetails?: Json;
  };
  if (r.exceptionDetails) throw new Error(`chromium: ${expression.slice(0, 60)}... threw ${JSON.stringify(r.exceptionDetails)}`);
  return r.result.value;
}
