import { replaceFile } from '../secrets/own-files.js';
import * as fs from 'node:fs/promises';
import { emptyState, STATE_VERSION, type GuardState, type StateStore } from './guard-state.js';

/** Read a state file; anything unreadable or of another version is a fresh start. */
export async function readStateFile(file: string): Promise<GuardState> {
  try {
    const parsed = JSON.parse(await fs.readFile(file, 'utf8')) as Partial<GuardState>;
    if (parsed.version !== STATE_VERSION || !Array.isArray(parsed.history) || typeof parsed.alerts !== 'object') return emptyState();
    return parsed as GuardState;
  } catch {
    return emptyState();
  }
}

export async function writeStateFile(file: string, state: GuardState): Promise<void> {
  await replaceFile(file, JSON.stringify(state));
}

/** State in a file the platform keeps between runs (GitLab's cache: of the project dir, a developer's disk). */
export class FileStateStore implements StateStore {
  constructor(readonly file: string) {}
  load(): Promise<GuardState> {
    return readStateFile(this.file);
  }
  save(state: GuardState): Promise<void> {
    return writeStateFile(this.file, state);
  }
}
