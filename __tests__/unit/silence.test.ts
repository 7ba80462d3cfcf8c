/**
 * Silence windows: parsing (absolute, weekly, across midnight, scoped), when
 * they are open, and what the alert policy does around them, all on an
 * injected clock.
 */
import { applySilence, decideAlert, type AlertPolicyInput } from '../../src/alert/policy.js';
import { describeSilence, isActive, silencingWindows } from '../../src/alert/silence.js';
import { parseSilenceWindows } from '../../src/config/silence.js';
import type { ProxyHealth, ProxyVerdict, Verdict } from '../../src/model/verdict.js';
import type { AlertState } from '../../src/state/guard-state.js';

const CN = 'https://goproxy.cn';
const IO = 'https://goproxy.io';
const GOLANG = 'https://proxy.golang.org';

type Report = AlertPolicyInput['report'];
const proxy = (url: string, verdict: ProxyVerdict) => ({ url, verdict }) as ProxyHealth;
function run(verdict: Verdict, failing: string[] = []): Report {
  return { verdict, proxies: [proxy(GOLANG, 'healthy'), ...failing.map((url) => proxy(url, 'down'))], warm: undefined };
}

describe('parsing alert-silence', () => {
  test('absolute, weekly, crossing midnight and scoped windows, with comments and blank lines', () => {
    const windows = parseSilenceWindows(
      [
        '# maintenance calendar',
        '2026-12-01T02:00Z/2026-12-01T04:00Z',
        '',
        'Sat 02:00-04:00 UTC',
        'sunday 23:30-01:00 UTC proxy=goproxy.cn,goproxy.io',
      ].join('\n'),
    );
    expect(windows.map((w) => w.text)).toEqual([
      '2026-12-01T02:00Z/2026-12-01T04:00Z',
      'Sat 02:00-04:00 UTC',
      'sunday 23:30-01:00 UTC proxy=goproxy.cn,goproxy.io',
    ]);
    expect(windows[0]!.when).toEqual({
      kind: 'absolute',
      startMs: Date.parse('2026-12-01T02:00:00Z'),
      endMs: Date.parse('2026-12-01T04:00:00Z'),
    });
    expect(windows[1]!.when).toEqual({ kind: 'weekly', startMinute: 5 * 1440 + 120, minutes: 120 });
    expect(windows[2]!.when).toEqual({ kind: 'weekly', startMinute: 6 * 1440 + 23 * 60 + 30, minutes: 90 });
    expect(windows[2]!.proxies).toEqual(['goproxy.cn', 'goproxy.io']);
  });

  test.each([
    ['2026-12-01T04:00Z/2026-12-01T02:00Z', /line 2: the window must end after it starts/],
    ['2026-12-01T02:00/2026-12-01T04:00', /line 2: "2026-12-01T02:00" must be an ISO time with a zone/],
    ['Sat 02:00-02:00 UTC', /line 2: "02:00-02:00" is empty/],
    ['Caturday 02:00-04:00 UTC', /line 2: "Caturday" must be a day of the week/],
    ['Sat 02:00-04:00 CET', /line 2: weekly windows are in UTC/],
    ['Sat 25:00-04:00 UTC', /line 2: "25:00-04:00" has a time that does not exist/],
    ['Sat 2-4', /line 2: "2-4" must be a time range like 02:00-04:00/],
    ['Sat 02:00-04:00 UTC proxy=', /line 2: proxy= needs a host/],
    ['tomorrow night', /line 2: "tomorrow" must be a day of the week/],
    ['soon', /line 2: must be one window per line/],
  ])('%s is an input error naming the input and the line', (bad, message) => {
    expect(() => parseSilenceWindows(`Sat 02:00-04:00 UTC\n${bad}`)).toThrow(/^input "alert-silence" line 2: /);
    expect(() => parseSilenceWindows(`Sat 02:00-04:00 UTC\n${bad}`)).toThrow(message);
  });
});

describe('when a window is open', () => {
  const [absolute, saturday, midnight] = parseSilenceWindows(
    ['2026-12-01T02:00Z/2026-12-01T04:00Z', 'Sat 02:00-04:00 UTC', 'Sun 23:00-01:00 UTC'].join('\n'),
  ) as [never, never, never];

  test('absolute: from its start up to, not including, its end', () => {
    expect(isActive(absolute, new Date('2026-12-01T01:59:59Z'))).toBe(false);
    expect(isActive(absolute, new Date('2026-12-01T02:00:00Z'))).toBe(true);
    expect(isActive(absolute, new Date('2026-12-01T03:59:59Z'))).toBe(true);
    expect(isActive(absolute, new Date('2026-12-01T04:00:00Z'))).toBe(false);
  });

  test('weekly: every Saturday, not on other days', () => {
    // 2026-12-05 and 2026-12-12 are Saturdays.
    expect(isActive(saturday, new Date('2026-12-05T03:00Z'))).toBe(true);
    expect(isActive(saturday, new Date('2026-12-12T02:00Z'))).toBe(true);
    expect(isActive(saturday, new Date('2026-12-12T04:00Z'))).toBe(false);
    expect(isActive(saturday, new Date('2026-12-06T03:00Z'))).toBe(false);
    expect(isActive(saturday, new Date('2026-12-04T03:00Z'))).toBe(false);
  });

  test('weekly across midnight: Sunday 23:00 to Monday 01:00, also across the week boundary', () => {
    expect(isActive(midnight, new Date('2026-12-06T22:59Z'))).toBe(false);
    expect(isActive(midnight, new Date('2026-12-06T23:00Z'))).toBe(true);
    expect(isActive(midnight, new Date('2026-12-07T00:30Z'))).toBe(true);
    expect(isActive(midnight, new Date('2026-12-07T01:00Z'))).toBe(false);
    expect(isActive(midnight, new Date('2026-12-08T00:30Z'))).toBe(false);
  });

  test('a scoped window silences only alerts whose failing proxies it all covers', () => {
    const windows = parseSilenceWindows('Sat 02:00-04:00 UTC proxy=goproxy.cn');
    const now = new Date('2026-12-05T03:00Z');
    expect(describeSilence(silencingWindows(windows, now, [CN]))).toBe('silenced by Sat 02:00-04:00 UTC proxy=goproxy.cn');
    expect(silencingWindows(windows, now, [CN, IO])).toEqual([]);
    expect(silencingWindows(windows, now, [IO])).toEqual([]);
    // A failure of the ladder alone names no proxy: only an unscoped window silences it.
    expect(silencingWindows(windows, now, [])).toEqual([]);
    expect(silencingWindows(windows, new Date('2026-12-05T05:00Z'), [CN])).toEqual([]);
    // A full URL scopes to that proxy exactly (masked credentials do not matter).
    const byUrl = parseSilenceWindows('Sat 02:00-04:00 UTC proxy=https://mirrors.aliyun.com/goproxy/');
    expect(silencingWindows(byUrl, now, ['https://u:***@mirrors.aliyun.com/goproxy'])).toHaveLength(1);
    expect(silencingWindows(byUrl, now, ['https://mirrors.aliyun.com/other'])).toEqual([]);
  });
});

describe('the alert policy around a window', () => {
  const windows = parseSilenceWindows('2026-12-01T02:00Z/2026-12-01T04:00Z');
  const cooldownMs = 60 * 60_000;
  /** One run at `iso`: policy, then silence, with the state carried as the engine carries it. */
  function step(state: AlertState, iso: string, report: Report, w = windows) {
    const now = new Date(iso);
    const input = { on: 'degraded' as const, report, state, now, cooldownMs };
    const d = applySilence(decideAlert(input), input, (failing) => {
      const by = silencingWindows(w, now, failing);
      return by.length > 0 ? describeSilence(by) : undefined;
    });
    return d;
  }

  test('an outage inside the window is not sent; still failing after it, it is sent once, whatever the cooldown', () => {
    const a = step({ open: false }, '2026-12-01T02:10Z', run('degraded', [CN]));
    expect(a.action).toBe('none');
    expect(a.silenced).toBe('silenced by 2026-12-01T02:00Z/2026-12-01T04:00Z');
    const b = step(a.nextState, '2026-12-01T03:50Z', run('degraded', [CN]));
    expect(b.action).toBe('none');
    expect(b.nextState.silenced?.since).toBe('2026-12-01T02:10:00.000Z');
    const c = step(b.nextState, '2026-12-01T04:05Z', run('degraded', [CN]));
    expect(c.action).toBe('alert');
    expect(c.reason).toMatch(/after the silence window/);
    const d = step(c.nextState, '2026-12-01T04:20Z', run('degraded', [CN]));
    expect(d.action).toBe('none');
    expect(d.reason).toMatch(/cooldown/);
  });

  test('an alert sent before the window, still failing after it, is sent once more at the end of the window', () => {
    const before = step({ open: false }, '2026-12-01T01:50Z', run('degraded', [CN]));
    expect(before.action).toBe('alert');
    // Within the cooldown anyway, but the condition changed: held back by the window.
    const inside = step(before.nextState, '2026-12-01T02:30Z', run('failed', [CN, IO]));
    expect(inside.action).toBe('none');
    expect(inside.silenced).toBeDefined();
    const after = step(inside.nextState, '2026-12-01T04:01Z', run('failed', [CN, IO]));
    expect(after.action).toBe('alert');
  });

  test('a condition that recovers during the window sends no recovery, then or later', () => {
    const open = step({ open: false }, '2026-12-01T01:50Z', run('degraded', [CN])).nextState;
    const healed = step(open, '2026-12-01T02:30Z', run('healthy'));
    expect(healed.action).toBe('none');
    expect(healed.reason).toMatch(/recovery silenced by .*closed without a message/);
    expect(healed.nextState.open).toBe(false);
    expect(healed.nextState.lastSentAt).toBe(open.lastSentAt);
    expect(step(healed.nextState, '2026-12-01T04:30Z', run('healthy')).action).toBe('none');

    const silenced = step({ open: false }, '2026-12-01T02:10Z', run('degraded', [CN])).nextState;
    const recovered = step(silenced, '2026-12-01T03:00Z', run('healthy'));
    expect(recovered.action).toBe('none');
    expect(recovered.nextState.silenced).toBeUndefined();
    expect(step(recovered.nextState, '2026-12-01T04:30Z', run('healthy')).action).toBe('none');
  });

  test('scoped: an outage of another proxy during the window still alerts', () => {
    const scoped = parseSilenceWindows('2026-12-01T02:00Z/2026-12-01T04:00Z proxy=goproxy.cn');
    expect(step({ open: false }, '2026-12-01T02:10Z', run('degraded', [CN]), scoped).action).toBe('none');
    expect(step({ open: false }, '2026-12-01T02:10Z', run('degraded', [IO]), scoped).action).toBe('alert');
    expect(step({ open: false }, '2026-12-01T02:10Z', run('degraded', [CN, IO]), scoped).action).toBe('alert');
  });

  test('weekly: Saturday night maintenance is silent, the same outage on Sunday is not', () => {
    const weekly = parseSilenceWindows('Sat 23:00-01:00 UTC');
    expect(step({ open: false }, '2026-12-06T00:30Z', run('failed', [CN]), weekly).action).toBe('none');
    expect(step({ open: false }, '2026-12-06T12:00Z', run('failed', [CN]), weekly).action).toBe('alert');
  });
});
