import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isRecord } from './guards.js';

/** The package version, read from the nearest package.json above this file (repo or installed). */
export function packageVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let depth = 0; depth < 6; depth++) {
    const candidate = join(dir, 'package.json');
    if (existsSync(candidate)) {
      const parsed: unknown = JSON.parse(readFileSync(candidate, 'utf8'));
      if (isRecord(parsed) && parsed.name === 'routetrace' && 'version' in parsed) {
        return String(parsed.version);
      }
    }
    dir = dirname(dir);
  }
  return 'unknown';
}
