/**
 * Named sets of public proxies a user can ask for in `proxies` (`preset:china`), so a regional mirror is
 * only ever probed, and sent the project's module list, when the user chose it.
 */
export const PROXY_PRESETS = {
  /** The Go team's proxy: the only public one probed by default. */
  golang: ['https://proxy.golang.org'],
  /** Mirrors that serve mainland China well. */
  china: ['https://goproxy.cn', 'https://goproxy.io', 'https://mirrors.aliyun.com/goproxy/'],
  /** Every public proxy above. */
  public: ['https://proxy.golang.org', 'https://goproxy.cn', 'https://goproxy.io', 'https://mirrors.aliyun.com/goproxy/'],
} as const satisfies Record<string, readonly string[]>;

export type PresetName = keyof typeof PROXY_PRESETS;

const PREFIX = 'preset:';

/** The preset an entry of `proxies` names (`preset:china`), undefined for a URL, or an Error for an unknown name. */
export function presetOf(entry: string): readonly string[] | undefined | Error {
  if (!entry.toLowerCase().startsWith(PREFIX)) return undefined;
  const name = entry.slice(PREFIX.length).trim().toLowerCase();
  if (Object.hasOwn(PROXY_PRESETS, name)) return PROXY_PRESETS[name as PresetName];
  return new Error(
    `names no preset; known presets: ${Object.keys(PROXY_PRESETS)
      .map((n) => PREFIX + n)
      .join(', ')}`,
  );
}
