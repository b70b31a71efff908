import { execFileSync, spawnSync } from 'node:child_process';

function which(binary: string): string | undefined {
  const result = spawnSync('sh', ['-c', `command -v ${binary}`], { encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim() : undefined;
}

let updated = false;

/**
 * The bench installs what it needs from Debian's packages (wrk, nginx) when it is missing;
 * `npm test` never does. Returns the binary's path, or undefined with the reason logged.
 */
export function ensureTool(binary: string, debPackage: string, log: (line: string) => void): string | undefined {
  const found = which(binary) ?? (binary === 'nginx' ? which('/usr/sbin/nginx') : undefined);
  if (found !== undefined) return found;
  if (process.getuid?.() !== 0) {
    log(`${binary} not found and not root: install it with 'apt-get install ${debPackage}'; its figures are skipped`);
    return undefined;
  }
  try {
    log(`installing ${debPackage} from Debian's packages...`);
    if (!updated) {
      execFileSync('apt-get', ['update', '-qq'], { stdio: 'ignore' });
      updated = true;
    }
    execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', debPackage], { stdio: 'ignore', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  } catch (error) {
    log(`could not install ${debPackage} (${error instanceof Error ? error.message.split('\n')[0] : String(error)}); its figures are skipped`);
    return undefined;
  }
  return which(binary) ?? (binary === 'nginx' ? which('/usr/sbin/nginx') : undefined);
}
