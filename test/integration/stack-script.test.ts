import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

// A second, private stack on other ports, so the shared one the other tests use is untouched.
const dir = mkdtempSync(join(tmpdir(), 'tidemark-stack-'));
const env = {
  ...process.env,
  TIDEMARK_STACK_DIR: dir,
  KAFKA_PORT: '19392',
  KAFKA_CONTROLLER_PORT: '19393',
  REGISTRY_PORT: '18381',
  REGISTRY_MANAGEMENT_PORT: '19309',
  MONGO_PORT: '27317',
};
const stack = (cmd: string) => spawnSync('bash', ['deploy/local/stack.sh', cmd], { env, encoding: 'utf8', timeout: 300_000 });
const stackProcesses = () =>
  spawnSync('pgrep', ['-f', `tidemark.stack.dir=${dir}`], { encoding: 'utf8' }).stdout.trim();

describe('deploy/local/stack.sh', () => {
  afterAll(() => {
    stack('down');
    rmSync(dir, { recursive: true, force: true });
  });

  it('up twice is harmless, status reports it, down leaves no process', () => {
    const first = stack('up');
    expect(first.status, first.stderr).toBe(0);
    const pids = stackProcesses();
    expect(pids.split('\n')).toHaveLength(3); // kafka, registry, mongo

    const second = stack('up');
    expect(second.status, second.stderr).toBe(0);
    expect(stackProcesses()).toBe(pids); // nothing restarted, nothing doubled

    const status = stack('status');
    expect(status.status).toBe(0);
    expect(status.stdout).toMatch(/kafka\s+running\s+127\.0\.0\.1:19392/);
    expect(status.stdout).toMatch(/registry\s+running\s+127\.0\.0\.1:18381/);
    expect(status.stdout).toMatch(/mongo\s+running\s+127\.0\.0\.1:27317/);

    const down = stack('down');
    expect(down.status, down.stderr).toBe(0);
    expect(stackProcesses()).toBe('');
    expect(stack('status').status).toBe(1);
  }, 300_000);
});
