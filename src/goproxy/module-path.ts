/**
 * The proxy protocol's case encoding (golang.org/x/mod/module.EscapePath):
 * every upper-case letter becomes "!" plus its lower-case form, so that
 * case-insensitive file systems behind proxies never confuse two modules.
 */
export function escapeModulePath(path: string): string {
  return path.replace(/[A-Z]/g, (c) => `!${c.toLowerCase()}`);
}

export const escapeVersion = escapeModulePath;

/** Pseudo-versions (v0.0.0-20200101000000-abcdef123456) never appear in @v/list. */
export function isPseudoVersion(version: string): boolean {
  return /^v[0-9]+\.(0\.0-|\d+\.\d+-([^+]*\.)?0\.)\d{14}-[A-Za-z0-9]+(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$/.test(version);
}

export interface ModuleVersion {
  path: string;
  version: string;
}

export const moduleId = (m: ModuleVersion): string => `${m.path}@${m.version}`;
