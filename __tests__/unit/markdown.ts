/**
 * Reading rendered summaries as a person sees them on GitHub: what is open
 * (outside every <details>), the first lines, the tables and their columns.
 */

/** Lines outside any <details> block (the <summary> line of a closed block shows, so it counts), blank lines left out. */
export function visibleLines(md: string): string[] {
  const out: string[] = [];
  let depth = 0;
  for (const line of md.split('\n')) {
    const opens = (line.match(/<details>/g) ?? []).length;
    const closes = (line.match(/<\/details>/g) ?? []).length;
    if (depth === 0 && opens === 0 && line.trim() !== '') out.push(line);
    if (depth === 1 && line.startsWith('<summary>') && opens === 0) out.push(line);
    depth += opens - closes;
  }
  return out;
}

/** The first three visible lines: the verdict, the cause, the action. */
export const topBlock = (md: string): string[] => visibleLines(md).slice(0, 3);

/** The visible tables, each as its lines (header, alignment, rows). */
export function visibleTables(md: string): string[][] {
  const tables: string[][] = [];
  let current: string[] | undefined;
  for (const line of visibleLines(md)) {
    if (line.startsWith('|')) {
      if (!current) tables.push((current = []));
      current.push(line);
    } else current = undefined;
  }
  return tables;
}

/** Cells of a Markdown table row, split on pipes that are not escaped. */
export const cellsOf = (line: string): string[] =>
  line
    .trim()
    .replace(/^\|/, '')
    .replace(/\|$/, '')
    .split(/(?<!\\)\|/)
    .map((c) => c.trim());
