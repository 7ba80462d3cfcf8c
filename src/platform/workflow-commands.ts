/**
 * The GitHub runner reads its commands from a step's output: a line that
 * starts with `::` (after leading spaces), and the legacy `##[` anywhere in a
 * line. `core.info` writes text as it is, so a log line that starts with
 * upstream text could set an output or fake an error. Text is cleaned where
 * it enters the engine; this is the last line of defence at the exit.
 *
 * A zero-width space between the two characters keeps the line readable and
 * is no longer a command.
 */
const ZWSP = '\u200b';

export function neutraliseWorkflowCommands(text: string): string {
  return text.replace(/^(\s*):(?=:)/gm, `$1:${ZWSP}`).replace(/#(?=#\[)/g, `#${ZWSP}`);
}
