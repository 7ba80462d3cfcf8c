/** How text may be styled for a terminal: colours, or the identity when colour is off (platform/terminal.ts makes both). */
export interface Styles {
  readonly enabled: boolean;
  bold(s: string): string;
  dim(s: string): string;
  red(s: string): string;
  yellow(s: string): string;
  green(s: string): string;
  cyan(s: string): string;
}
