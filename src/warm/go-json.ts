/** One object of `go mod download -json`'s stream. */
export interface DownloadedModule {
  Path: string;
  Version: string;
  Error?: string;
  Zip?: string;
  /** The extracted module directory. */
  Dir?: string;
  Sum?: string;
}

/** `go mod download -json` prints concatenated objects, not an array. */
export function parseJsonStream<T>(text: string): T[] {
  const out: T[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === '{') {
      if (depth++ === 0) start = i;
    } else if (c === '}' && --depth === 0 && start >= 0) {
      out.push(JSON.parse(text.slice(start, i + 1)) as T);
      start = -1;
    }
  }
  return out;
}
