import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MINIMUM_NODE, unsupportedNodeMessage } from '#shared/cli/node-version.js';

describe('the supported Node check', () => {
  it('names the minimum and the running version for lines older than package.json engines', () => {
    expect(unsupportedNodeMessage('routetrace', '20.20.2')).toBe('routetrace needs Node.js >=22.19.0 (24 LTS recommended); this is v20.20.2');
    expect(unsupportedNodeMessage('routetrace', '22.18.9')).toBe('routetrace needs Node.js >=22.19.0 (24 LTS recommended); this is v22.18.9');
    expect(unsupportedNodeMessage('routetrace', '22.19.0')).toBeUndefined();
    expect(unsupportedNodeMessage('routetrace', '24.21.0')).toBeUndefined();
    expect(unsupportedNodeMessage('routetrace', '26.0.0')).toBeUndefined();
  });

  it('agrees with package.json engines', async () => {
    const pkg = (await import('../../package.json', { with: { type: 'json' } })).default as { engines: { node: string } };
    expect(pkg.engines.node).toBe(`>=${MINIMUM_NODE}`);
  });

  // The machines this project is built on come with Node 20: where it is there, start a real bin with it.
  it.runIf(existsSync('/usr/bin/node') && Number(spawnSync('/usr/bin/node', ['-p', 'process.versions.node.split(".")[0]'], { encoding: 'utf8' }).stdout) < 22)(
    'a bin started on Node 20 exits 2 with that one line',
    () => {
      const result = spawnSync('/usr/bin/node', [join(import.meta.dirname, '../../dist/collector/main.js'), '--version'], { encoding: 'utf8' });
      expect({ status: result.status, stderr: result.stderr.replace(/v20\.\d+\.\d+/, 'v20.x') }).toEqual({
        status: 2,
        stderr: 'routetrace-collector needs Node.js >=22.19.0 (24 LTS recommended); this is v20.x\n',
      });
    },
  );
});
