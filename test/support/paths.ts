import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** The repository root, resolved from this file so tests work from any cwd. */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export const repoPath = (...parts: string[]): string => path.join(repoRoot, ...parts);
