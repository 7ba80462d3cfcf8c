/**
 * A fake Go toolchain module, `golang.org/toolchain@v0.0.1-<name>.<goos>-<goarch>`,
 * laid out like the real ones (bin/go, bin/gofmt, pkg/tool, lib, src/_go.mod)
 * because the go command touches that layout when it switches: it sets the
 * execute bits of pkg/tool, lib/*_exec, bin/gofmt and bin/, and copies every
 * `_go.mod` to `go.mod` (cmd/go/internal/toolchain/select.go, Exec).
 *
 * Its bin/go answers `version` as the named toolchain would and hands every
 * other command to the machine's go (GOTOOLCHAIN=local, its own GOROOT): so a
 * project whose go.mod says `toolchain <name>` (and a `go` line this machine
 * satisfies) builds through it. A `go` line above the machine's go cannot be
 * served that way: only `version` works then.
 */
import { execFileSync } from 'node:child_process';
import { moduleVersion, type ModuleVersion } from './modules.js';

/** The machine's go: its path, GOROOT and host platform (what the toolchain module is named for). */
export interface HostGo {
  bin: string;
  goroot: string;
  goos: string;
  goarch: string;
  /** e.g. go1.26.8 */
  version: string;
}

let host: HostGo | undefined;

/** Asked once, synchronously: `go env` reaches no server of the lab. */
export function hostGo(): HostGo {
  if (host) return host;
  const bin = process.env.LAB_GO ?? 'go';
  const out = execFileSync(bin, ['env', 'GOROOT', 'GOHOSTOS', 'GOHOSTARCH', 'GOVERSION'], {
    encoding: 'utf8',
    env: { ...process.env, GOTOOLCHAIN: 'local' },
  });
  const [goroot = '', goos = '', goarch = '', version = ''] = out.trim().split('\n');
  host = { bin: `${goroot}/bin/go`, goroot, goos, goarch, version };
  return host;
}

/**
 * Go releases newer than the machine's, whatever leg the tests run on (go1.26 here, go1.27.3 in
 * CI's second leg): `fake` is what the lab's fake toolchain claims to be (go1.<minor+1>.3), and
 * `missing` a release of the same line no lab proxy serves (go1.<minor+1>.0, like hugo's `go 1.27.0`).
 */
export function newerGo(h: HostGo = hostGo()): { fake: string; missing: string; line: string } {
  const [, major = '1', minor = '0'] = /go(\d+)\.(\d+)/.exec(h.version) ?? [];
  const line = `${major}.${Number(minor) + 1}`;
  return { fake: `go${line}.3`, missing: `go${line}.0`, line };
}

/** The toolchain module version the go command downloads for `name` on this host. */
export function toolchainVersion(name: string, h: HostGo = hostGo()): string {
  return `v0.0.1-${name}.${h.goos}-${h.goarch}`;
}

function goScript(name: string, h: HostGo): string {
  return `#!/bin/sh
# A fake ${name} made by the go-proxy-guard test lab.
if [ "$1" = version ]; then
  echo "go version ${name} ${h.goos}/${h.goarch}"
  exit 0
fi
# Anything else: the machine's go, told it is itself (not a switch target) and where its GOROOT is.
unset GOTOOLCHAIN_INTERNAL_SWITCH_VERSION
GOROOT='${h.goroot}' GOTOOLCHAIN=local exec '${h.bin}' "$@"
`;
}

/** The module the go command downloads to switch to `name` (e.g. go1.27.3), for this host. */
export function fakeToolchain(name: string, h: HostGo = hostGo()): ModuleVersion {
  const tool = `#!/bin/sh\necho "fake ${name} tool: $0 $*"\n`;
  return moduleVersion({
    path: 'golang.org/toolchain',
    version: toolchainVersion(name, h),
    files: {
      'go.mod': 'module golang.org/toolchain\n',
      VERSION: `${name}\ntime 2026-10-19T22:20:36Z\n`,
      'bin/go': goScript(name, h),
      'bin/gofmt': tool,
      [`pkg/tool/${h.goos}_${h.goarch}/compile`]: tool,
      'lib/wasm/go_js_wasm_exec': tool,
      'src/_go.mod': `module std\n\ngo ${/^go(\d+\.\d+)/.exec(name)?.[1] ?? '1.0'}\n`,
    },
  });
}
