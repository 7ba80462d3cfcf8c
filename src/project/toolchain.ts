/**
 * Which Go toolchain the go command will run in this project, read the way
 * cmd/go/internal/toolchain.Select reads it (go 1.21+), without running go:
 * GOTOOLCHAIN, then the go.work or go.mod file's `toolchain` and `go` lines.
 * A switch to a toolchain that is not on PATH makes the go command download
 * golang.org/toolchain@v0.0.1-<name>.<goos>-<goarch> through GOPROXY (and
 * check it against the checksum database) before anything else.
 */
import { compareGo, goVersionOfToolchain, isLangGo } from '../go/gover.js';

/** A `go` or `toolchain` line of go.mod/go.work: its value and 1-based line number. */
export interface DirectiveLine {
  value: string;
  line: number;
}

/** The file the go command reads for its minimum and suggested toolchain, and those two lines. */
export interface ToolchainFile {
  path: string;
  go?: DirectiveLine;
  toolchain?: DirectiveLine;
}

/** What asked for the toolchain: a line of the file, or GOTOOLCHAIN itself. */
export interface ToolchainSource {
  directive: 'go' | 'toolchain' | 'GOTOOLCHAIN';
  /** The file and line, for go and toolchain. */
  file?: string;
  line?: number;
  /** As written: `go 1.27.0`, `toolchain go1.27.3`, `GOTOOLCHAIN=go1.27.3`. */
  text: string;
}

export type ToolchainChoice =
  /** The go on the machine runs the project; `note` says when a file asks for more than GOTOOLCHAIN allows. */
  | { kind: 'local'; reason: string; note?: string }
  /** The go command switches to `name`; `pathOnly`: it only looks on PATH (GOTOOLCHAIN=path, <name>+path), never downloads. */
  | { kind: 'switch'; name: string; by: ToolchainSource; pathOnly: boolean }
  /** Every go command in the project stops with this (the go command's own words). */
  | { kind: 'invalid'; reason: string };

/** gover.GoModLookup: the first line `<key> <value>` (comment stripped), with its line number. */
export function directiveLine(text: string, key: 'go' | 'toolchain'): DirectiveLine | undefined {
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] as string).trim();
    if (!line.startsWith(key) || !/^[ \t]/.test(line.slice(key.length))) continue;
    return { value: (line.slice(key.length).split('//')[0] as string).trim(), line: i + 1 };
  }
  return undefined;
}

export function readToolchainFile(path: string, text: string): ToolchainFile {
  const go = directiveLine(text, 'go');
  const toolchain = directiveLine(text, 'toolchain');
  return { path, ...(go ? { go } : {}), ...(toolchain ? { toolchain } : {}) };
}

/**
 * toolchain.Select as pure logic. `gotoolchain`: `go env GOTOOLCHAIN` (the
 * environment, go env -w, $GOROOT/go.env); `local`: `go env GOVERSION` of
 * the go on PATH; `file`: go.work when one is in use, else go.mod.
 */
export function selectToolchain(input: { gotoolchain: string; local: string; file: ToolchainFile | undefined }): ToolchainChoice {
  const { gotoolchain, file } = input;
  const localVersion = goVersionOfToolchain(input.local);
  if (gotoolchain === '') return { kind: 'local', reason: 'GOTOOLCHAIN is empty: the go command runs as it is' };
  if (localVersion === '')
    return { kind: 'local', reason: `${input.local} is not a released toolchain: the guard does not predict its switches` };
  let minName = input.local;
  let minVersion = localVersion;
  let mode: string;
  let by: ToolchainSource = { directive: 'GOTOOLCHAIN', text: `GOTOOLCHAIN=${gotoolchain}` };
  if (gotoolchain === 'auto' || gotoolchain === 'path') mode = gotoolchain;
  else {
    const plus = gotoolchain.indexOf('+');
    const min = plus < 0 ? gotoolchain : gotoolchain.slice(0, plus);
    mode = plus < 0 ? '' : gotoolchain.slice(plus + 1);
    if (min !== 'local') {
      const v = goVersionOfToolchain(min);
      if (v === '') return { kind: 'invalid', reason: `invalid GOTOOLCHAIN "${gotoolchain}"` };
      minName = min;
      minVersion = v;
    }
    if (plus >= 0 && mode !== 'auto' && mode !== 'path')
      return { kind: 'invalid', reason: `invalid GOTOOLCHAIN "${gotoolchain}": only version suffixes are +auto and +path` };
  }
  let name = minName;
  if (mode === 'auto' || mode === 'path') {
    const fromFile = raiseFromFile(file, name, minVersion);
    if ('invalid' in fromFile) return { kind: 'invalid', reason: fromFile.invalid };
    if (fromFile.by) ({ name, by } = { name: fromFile.name, by: fromFile.by });
  } else {
    const wanted = file?.go?.value && compareGo(file.go.value, minVersion) > 0 ? file.go : undefined;
    if (wanted && file && name === input.local) {
      const note = `${file.path}:${wanted.line} says go ${wanted.value}, but GOTOOLCHAIN=${gotoolchain} keeps ${input.local}: go commands in the project stop with "requires go >= ${wanted.value}"`;
      return { kind: 'local', reason: `GOTOOLCHAIN=${gotoolchain}: no switch`, note };
    }
  }
  if (name === 'local' || name === input.local) return { kind: 'local', reason: `${input.local} satisfies ${by.text}` };
  if (!name.startsWith('go1') && !name.includes('-go1')) return { kind: 'invalid', reason: `invalid GOTOOLCHAIN "${name}"` };
  // A language version ("toolchain go1.28") is still asked for: the go command learns it is not a toolchain from the 404.
  return { kind: 'switch', name, by, pathOnly: mode === 'path' };
}

/** The auto/path part of Select: a newer `toolchain` line, then a newer `go` line, raise the minimum. */
function raiseFromFile(
  file: ToolchainFile | undefined,
  name: string,
  minVersion: string,
): { name: string; by?: ToolchainSource } | { invalid: string } {
  if (!file) return { name };
  const t = file.toolchain;
  // "toolchain default": only ever the toolchain the user configured (the minimum), whatever the go line says.
  if (t?.value === 'default') return { name };
  let raised: { name: string; by?: ToolchainSource } = { name };
  let min = minVersion;
  if (t && t.value !== '') {
    const v = goVersionOfToolchain(t.value);
    if (v === '' || (!t.value.startsWith('go') && !t.value.includes('-go')))
      return { invalid: `invalid toolchain "${t.value}" in ${file.path}` };
    if (compareGo(v, min) > 0) {
      raised = { name: t.value, by: { directive: 'toolchain', file: file.path, line: t.line, text: `toolchain ${t.value}` } };
      min = v;
    }
  }
  const g = file.go;
  if (g && compareGo(g.value, min) > 0) {
    // Since Go 1.21 the first release of a language version is x.y.0: "go 1.27" means go1.27.0.
    const wanted = isLangGo(g.value) && compareGo(g.value, '1.21') >= 0 ? `go${g.value}.0` : `go${g.value}`;
    raised = { name: wanted, by: { directive: 'go', file: file.path, line: g.line, text: `go ${g.value}` } };
  }
  return raised;
}

/** The go command's words for a toolchain name that no proxy can have (a language version), else undefined. */
export function notAToolchain(name: string): string | undefined {
  const v = goVersionOfToolchain(name);
  return isLangGo(v) && compareGo(v, '1.21') >= 0 ? `${name} is a language version but not a toolchain version (${name}.x)` : undefined;
}

/** The module the go command downloads to switch to `name` on a host (GOHOSTOS/GOHOSTARCH, not the build target). */
export function toolchainModule(name: string, goos: string, goarch: string): { path: string; version: string } {
  return { path: 'golang.org/toolchain', version: `v0.0.1-${name}.${goos}-${goarch}` };
}
