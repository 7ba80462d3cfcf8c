/**
 * An in-memory Platform for engine unit tests: inputs from a table, every
 * log line, output, exported variable and summary kept for assertions, state
 * in memory. No runner, no terminal, no CI cache.
 */
import type { InputName, OutputName } from '../../src/config/inputs.js';
import { formatGoproxy, type Chain } from '../../src/goproxy/chain.js';
import type { Platform } from '../../src/platform/platform.js';
import type { RunContext } from '../../src/model/run-context.js';
import { emptyState, type GuardState, type StateStore } from '../../src/state/guard-state.js';

export interface LogLine {
  level: 'info' | 'warning' | 'error' | 'debug' | 'fail' | 'group';
  message: string;
}

export class FakePlatform implements Platform {
  readonly name = 'local' as const;
  readonly cache = undefined;
  readonly log: LogLine[] = [];
  readonly outputs: Partial<Record<OutputName, string>> = {};
  readonly exported: Record<string, string> = {};
  readonly summaries: string[] = [];
  /** What the state store holds between runs (save replaces it). */
  saved: GuardState = emptyState();
  readonly state: StateStore = {
    load: async () => structuredClone(this.saved),
    save: async (s) => {
      this.saved = structuredClone(s);
    },
  };

  constructor(
    private readonly inputs: Partial<Record<InputName, string>>,
    readonly workDir: string,
  ) {}

  readonly readInput = (name: InputName): string | undefined => this.inputs[name];
  runContext(): RunContext {
    return {
      platform: 'local',
      repository: 'lab/fake',
      workflow: 'engine test',
      runId: '1',
      runUrl: undefined,
      event: 'test',
      at: new Date(),
    };
  }
  async writeSummary(markdown: string): Promise<void> {
    this.summaries.push(markdown);
  }
  info(message: string): void {
    this.log.push({ level: 'info', message });
  }
  warning(message: string): void {
    this.log.push({ level: 'warning', message });
  }
  error(message: string): void {
    this.log.push({ level: 'error', message });
  }
  debug(message: string): void {
    this.log.push({ level: 'debug', message });
  }
  async group<T>(name: string, fn: () => Promise<T>): Promise<T> {
    this.log.push({ level: 'group', message: name });
    return fn();
  }
  setOutput(name: OutputName, value: string): void {
    this.outputs[name] = value;
  }
  exportVariable(name: string, value: string): void {
    this.exported[name] = value;
  }
  exportGoproxy(chain: Chain): Chain {
    this.exportVariable('GOPROXY', formatGoproxy(chain));
    return chain;
  }
  fail(message: string): void {
    this.log.push({ level: 'fail', message });
  }
  /** The log lines of one level, in order. */
  lines(level: LogLine['level']): string[] {
    return this.log.filter((l) => l.level === level).map((l) => l.message);
  }
}
