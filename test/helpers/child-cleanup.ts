import type { ChildProcess } from 'node:child_process';
import { afterAll } from 'vitest';

/**
 * Children the test file started and must not outlive it. The hook is registered when this
 * module is imported, i.e. while the test file is collected, so it runs at the end of the file
 * wherever the child was started: an `afterAll` called from inside an `it` or a `beforeAll`
 * is never run, which left demo and collector processes behind after every `npm test`.
 */
const children = new Set<ChildProcess>();

function killAll(): void {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  children.clear();
}

afterAll(killAll);
// A test worker that ends early (a crash, a timeout) still takes its children with it.
process.once('exit', killAll);

export function killAfterFile(child: ChildProcess): void {
  children.add(child);
  child.once('exit', () => children.delete(child));
}
