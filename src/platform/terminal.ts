import type { Styles } from '../report/styles.js';

/** Text streams as the terminal platforms see them (process.stdout / stderr, or a test double). */
export interface TextStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

const sgr = (open: number, close: number) => (s: string) => `\x1b[${open}m${s}\x1b[${close}m`;

const COLOURS: Styles = {
  enabled: true,
  bold: sgr(1, 22),
  dim: sgr(2, 22),
  red: sgr(31, 39),
  yellow: sgr(33, 39),
  green: sgr(32, 39),
  cyan: sgr(36, 39),
};

const plain = (s: string) => s;
export const NO_STYLES: Styles = { enabled: false, bold: plain, dim: plain, red: plain, yellow: plain, green: plain, cyan: plain };

/** https://no-color.org: NO_COLOR set to anything but the empty string switches colour off. */
export function colourAllowed(env: NodeJS.ProcessEnv): boolean {
  return !env.NO_COLOR && env.TERM !== 'dumb';
}

/** Colour only for a terminal, and never when NO_COLOR asks for none. */
export function stylesFor(stream: TextStream, env: NodeJS.ProcessEnv): Styles {
  return stream.isTTY === true && colourAllowed(env) ? COLOURS : NO_STYLES;
}

export function alwaysStyles(env: NodeJS.ProcessEnv): Styles {
  return colourAllowed(env) ? COLOURS : NO_STYLES;
}

/**
 * One self-overwriting status line for a terminal: the latest progress
 * line of a long download. It redraws on each update (no timer keeps the
 * process alive) and is wiped before any other output.
 */
export class StatusLine {
  private shown = false;
  private frame = 0;

  constructor(
    private readonly stream: TextStream,
    private readonly styles: Styles,
  ) {}

  update(text: string): void {
    const frames = '|/-\\';
    const width = Math.max(20, (this.stream.columns ?? 80) - 3);
    const line = text.length > width ? `${text.slice(0, width - 1)}~` : text;
    this.stream.write(`\r\x1b[2K${this.styles.cyan(frames[this.frame++ % frames.length] as string)} ${this.styles.dim(line)}`);
    this.shown = true;
  }

  clear(): void {
    if (!this.shown) return;
    this.stream.write('\r\x1b[2K');
    this.shown = false;
  }
}
