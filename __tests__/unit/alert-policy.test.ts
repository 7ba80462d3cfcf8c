import { conditionOf, decideAlert, settleAlertState, type AlertPolicyInput } from '../../src/alert/policy.js';
import type { ProxyHealth, ProxyVerdict, Verdict } from '../../src/model/verdict.js';
import type { AlertState } from '../../src/state/guard-state.js';
import type { LadderStep } from '../../src/model/ladder.js';

type Report = AlertPolicyInput['report'];

const proxy = (url: string, verdict: ProxyVerdict) => ({ url, verdict }) as ProxyHealth;

/** A run: its verdict, the proxies that failed it, and where the ladder ended. */
function run(verdict: Verdict, failing: string[] = [], ladderStep?: LadderStep): Report {
  return {
    verdict,
    proxies: [proxy('https://proxy.golang.org', 'healthy'), ...failing.map((url) => proxy(url, 'down'))],
    warm: ladderStep ? ({ ladderStep } as Report['warm']) : undefined,
  };
}

const MINUTE = 60_000;
const T0 = new Date('2025-03-01T10:00:00Z');
const at = (minutes: number) => new Date(T0.getTime() + minutes * MINUTE);
const closed: AlertState = { open: false };

/** Runs a sequence of runs through the policy, carrying state as the engine would when every send succeeds. */
function runs(on: AlertPolicyInput['on'], cooldownMinutes: number, sequence: Array<[minute: number, report: Report]>) {
  let state = closed;
  return sequence.map(([minute, report]) => {
    const d = decideAlert({ on, report, state, now: at(minute), cooldownMs: cooldownMinutes * MINUTE });
    state = d.nextState;
    return d.action;
  });
}

describe('the condition an alert is about', () => {
  test('is the same whatever order the failing proxies were ranked in', () => {
    const a = run('degraded', ['https://b.example', 'https://a.example']);
    const b = run('degraded', ['https://a.example', 'https://b.example']);
    expect(conditionOf(a)).toBe(conditionOf(b));
    expect(conditionOf(a)).toBe('verdict=degraded;failing=https://a.example,https://b.example');
  });
  test('changes with the verdict, with the set of failing proxies, and when the ladder runs out', () => {
    const base = conditionOf(run('degraded', ['https://a.example']));
    expect(conditionOf(run('failed', ['https://a.example']))).not.toBe(base);
    expect(conditionOf(run('degraded', ['https://a.example', 'https://c.example']))).not.toBe(base);
    expect(conditionOf(run('degraded', ['https://a.example'], 'failed'))).toBe(`${base};ladder=failed`);
    // Which rung saved the job is detail, not a new incident.
    expect(conditionOf(run('degraded', ['https://a.example'], 'retry'))).toBe(base);
  });
});

describe('alert-on: degraded (the default)', () => {
  test('a degraded run alerts; the same condition one run later, within the cooldown, does not', () => {
    const first = decideAlert({
      on: 'degraded',
      report: run('degraded', ['https://goproxy.io']),
      state: closed,
      now: at(0),
      cooldownMs: 60 * MINUTE,
    });
    expect(first.action).toBe('alert');
    expect(first.nextState).toEqual({
      open: true,
      lastCondition: 'verdict=degraded;failing=https://goproxy.io',
      lastSentAt: T0.toISOString(),
    });

    const repeat = decideAlert({
      on: 'degraded',
      report: run('degraded', ['https://goproxy.io']),
      state: first.nextState,
      now: at(30),
      cooldownMs: 60 * MINUTE,
    });
    expect(repeat.action).toBe('none');
    expect(repeat.reason).toMatch(/cooldown/);
    expect(repeat.nextState).toEqual(first.nextState);
  });

  test('the same condition alerts again once the cooldown is over', () => {
    expect(
      runs('degraded', 60, [
        [0, run('degraded', ['https://goproxy.io'])],
        [59, run('degraded', ['https://goproxy.io'])],
        [61, run('degraded', ['https://goproxy.io'])],
      ]),
    ).toEqual(['alert', 'none', 'alert']);
  });

  test('a changed condition goes through at once, inside the cooldown', () => {
    expect(
      runs('degraded', 60, [
        [0, run('degraded', ['https://goproxy.io'])],
        [5, run('degraded', ['https://goproxy.io', 'https://goproxy.cn'])],
        [10, run('failed', ['https://goproxy.io', 'https://goproxy.cn'])],
      ]),
    ).toEqual(['alert', 'alert', 'alert']);
  });

  test('the first healthy run after an alert sends one recovery, then nothing', () => {
    const seen = runs('degraded', 60, [
      [0, run('degraded', ['https://goproxy.io'])],
      [5, run('healthy')],
      [10, run('healthy')],
      [15, run('healthy')],
    ]);
    expect(seen).toEqual(['alert', 'recovery', 'none', 'none']);
  });

  test('after a recovery, the old condition coming back is a new incident and alerts at once', () => {
    expect(
      runs('degraded', 60, [
        [0, run('degraded', ['https://goproxy.io'])],
        [5, run('healthy')],
        [10, run('degraded', ['https://goproxy.io'])],
      ]),
    ).toEqual(['alert', 'recovery', 'alert']);
  });

  test('healthy runs with nothing open send nothing', () => {
    expect(
      runs('degraded', 60, [
        [0, run('healthy')],
        [5, run('healthy')],
      ]),
    ).toEqual(['none', 'none']);
  });

  test('a cooldown of zero repeats every run', () => {
    expect(
      runs('degraded', 0, [
        [0, run('degraded', ['https://goproxy.io'])],
        [1, run('degraded', ['https://goproxy.io'])],
      ]),
    ).toEqual(['alert', 'alert']);
  });

  test('a lastSentAt in the future (clock skew) does not mute the alert', () => {
    const state: AlertState = {
      open: true,
      lastCondition: conditionOf(run('degraded', ['https://goproxy.io'])),
      lastSentAt: at(600).toISOString(),
    };
    const d = decideAlert({ on: 'degraded', report: run('degraded', ['https://goproxy.io']), state, now: at(0), cooldownMs: 60 * MINUTE });
    expect(d.action).toBe('alert');
  });
});

describe('alert-on: failed', () => {
  test('a degraded run is not alerted; a failed one is', () => {
    expect(
      runs('failed', 60, [
        [0, run('degraded', ['https://goproxy.io'])],
        [5, run('failed', ['https://goproxy.io', 'https://proxy.golang.org'])],
      ]),
    ).toEqual(['none', 'alert']);
  });

  test('failed, then degraded, keeps the incident open: the recovery waits for healthy', () => {
    const seen = runs('failed', 60, [
      [0, run('failed', ['https://goproxy.io'])],
      [5, run('degraded', ['https://goproxy.io'])],
      [10, run('healthy')],
    ]);
    expect(seen).toEqual(['alert', 'none', 'recovery']);
  });
});

describe('alert-on: always', () => {
  test('every run is sent, repeats and healthy runs included; the run that ends an incident is the recovery', () => {
    const seen = runs('always', 60, [
      [0, run('healthy')],
      [1, run('degraded', ['https://goproxy.io'])],
      [2, run('degraded', ['https://goproxy.io'])],
      [3, run('healthy')],
      [4, run('healthy')],
    ]);
    expect(seen).toEqual(['alert', 'alert', 'alert', 'recovery', 'alert']);
  });
});

describe('alert-on: never', () => {
  test('nothing is sent and the state is left as it was', () => {
    const open: AlertState = { open: true, lastCondition: 'verdict=failed;failing=', lastSentAt: T0.toISOString() };
    for (const report of [run('failed', ['https://goproxy.io']), run('healthy')]) {
      const d = decideAlert({ on: 'never', report, state: open, now: at(5), cooldownMs: 0 });
      expect(d).toEqual({ action: 'none', reason: 'alert-on is never', nextState: open });
    }
  });
});

describe('the state kept after sending', () => {
  const decision = decideAlert({
    on: 'degraded',
    report: run('degraded', ['https://goproxy.io']),
    state: closed,
    now: at(0),
    cooldownMs: MINUTE,
  });
  test('is the next state when any webhook took the message', () => {
    expect(settleAlertState(closed, decision, [{ ok: false }, { ok: true }])).toEqual(decision.nextState);
  });
  test('is the prior state when none did, so the next run tries again instead of being muted', () => {
    expect(settleAlertState(closed, decision, [{ ok: false }])).toEqual(closed);
    expect(settleAlertState(closed, decision, [])).toEqual(closed);
  });
});
