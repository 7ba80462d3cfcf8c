/**
 * Reading the Markdown documentation as GitHub shows it: its fenced blocks,
 * the anchors its headings get, and the links in its prose.
 */

export interface FencedBlock {
  /** The info string: `yaml`, `sh`, ... (empty when none). */
  info: string;
  lines: string[];
}

interface Prose {
  /** Lines outside fenced code blocks, with their 1-based line numbers. */
  lines: { n: number; text: string }[];
  blocks: FencedBlock[];
}

/** Splits a document into its prose lines and its fenced code blocks (``` or ~~~, as CommonMark opens and closes them). */
export function splitFences(md: string): Prose {
  const prose: Prose = { lines: [], blocks: [] };
  let open: { fence: string; block: FencedBlock } | undefined;
  md.split('\n').forEach((text, i) => {
    const fence = /^ {0,3}(`{3,}|~{3,})\s*([^`\s]*)/.exec(text);
    if (open) {
      if (fence && fence[1]![0] === open.fence[0] && fence[1]!.length >= open.fence.length && text.trim() === fence[1]) open = undefined;
      else open.block.lines.push(text);
    } else if (fence) {
      open = { fence: fence[1]!, block: { info: fence[2] ?? '', lines: [] } };
      prose.blocks.push(open.block);
    } else prose.lines.push({ n: i + 1, text });
  });
  return prose;
}

/** A heading's text as it renders: links and images by their text, no code ticks or HTML tags. */
function headingText(raw: string): string {
  return raw
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/<[^>]+>/g, '')
    .replace(/`/g, '')
    .replace(/\s+#+\s*$/, '')
    .trim();
}

/** GitHub's anchor for a heading: lower case, punctuation dropped (letters, digits, `_`, `-` and spaces stay), each space a `-`. */
export function githubSlug(heading: string): string {
  return headingText(heading)
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

/** GitLab's anchor for a heading: the same, except that a run of hyphens becomes one. */
export function gitlabSlug(heading: string): string {
  return githubSlug(heading).replace(/-{2,}/g, '-');
}

/** The headings of a document (outside code blocks), in order. */
export function headings(md: string): string[] {
  return (
    splitFences(md)
      // A heading in a blockquote gets an anchor too.
      .lines.map(({ text }) => /^(?: {0,3}>)* {0,3}#{1,6}\s+(.*)$/.exec(text)?.[1])
      .filter((h): h is string => h !== undefined)
  );
}

/** Every anchor a document's headings get, a repeated one with -1, -2... as GitHub numbers them. */
export function anchors(md: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const h of headings(md)) {
    const slug = githubSlug(h);
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    out.add(count === 0 ? slug : `${slug}-${count}`);
  }
  // Explicit anchors: <a id="..."> / <a name="...">.
  for (const m of md.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) out.add(m[1]!);
  return out;
}

export interface Link {
  line: number;
  target: string;
}

/** The targets of the inline links and images in the prose (not in code spans or code blocks), and of reference definitions. */
export function links(md: string): Link[] {
  const out: Link[] = [];
  for (const { n, text } of splitFences(md).lines) {
    const prose = text.replace(/(`+)(?:(?!\1).)+?\1/g, '');
    for (const m of prose.matchAll(/!?\[(?:[^\][]|\[[^\]]*\])*\]\(\s*<?([^)\s>]*)>?(?:\s+"[^"]*")?\s*\)/g))
      out.push({ line: n, target: m[1]! });
    const ref = /^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/.exec(prose);
    if (ref) out.push({ line: n, target: ref[1]! });
    for (const m of prose.matchAll(/<(?:a|img)\s[^>]*(?:href|src)="([^"]+)"/g)) out.push({ line: n, target: m[1]! });
  }
  return out;
}
