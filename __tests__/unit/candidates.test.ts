import { parseProxies } from '../../src/config/proxies.js';
import { defaultCandidates as candidatesOf } from '../../src/goproxy/candidates.js';
import { parseGoproxy } from '../../src/goproxy/chain.js';

const defaultCandidates = (goproxy: string) => candidatesOf(parseGoproxy(goproxy));

describe('default candidates respect the user', () => {
  test("empty proxies: the entries of the user's own GOPROXY, then proxy.golang.org, and no other mirror", () => {
    expect(defaultCandidates('https://goproxy.corp.example|https://proxy.golang.org,direct')).toEqual([
      'https://goproxy.corp.example',
      'https://proxy.golang.org',
    ]);
    expect(defaultCandidates('https://proxy.golang.org,direct')).toEqual(['https://proxy.golang.org']);
    expect(defaultCandidates('off')).toEqual(['https://proxy.golang.org']);
    expect(defaultCandidates('file:///srv/mods,https://goproxy.cn')).toEqual(['https://goproxy.cn', 'https://proxy.golang.org']);
  });

  test('a preset names regional mirrors the user chose, in place among other entries, deduplicated', () => {
    expect(parseProxies('preset:china')).toEqual(['https://goproxy.cn', 'https://goproxy.io', 'https://mirrors.aliyun.com/goproxy/']);
    expect(parseProxies('https://goproxy.corp.example, preset:China\ngoproxy.cn')).toEqual([
      'https://goproxy.corp.example',
      'https://goproxy.cn',
      'https://goproxy.io',
      'https://mirrors.aliyun.com/goproxy/',
    ]);
    expect(parseProxies('preset:public')).toHaveLength(4);
    expect(parseProxies('preset:golang')).toEqual(['https://proxy.golang.org']);
  });

  test('an unknown preset is refused with the names that exist', () => {
    expect(() => parseProxies('preset:europe')).toThrow(
      'input "proxies" names no preset; known presets: preset:golang, preset:china, preset:public, got "preset:europe"',
    );
  });
});
