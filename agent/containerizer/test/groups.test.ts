// The launcher helper runs a task with its user's supplementary groups (from
// the group database, as initgroups gives them), not with the primary group
// alone. A throwaway user and two groups are made for the test (root only,
// as the other user tests here) and removed after it.
import { test, expect, beforeAll, afterAll } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Containerizer } from '../containerizer.js';
import { cid, cleanup, tmp } from './helpers.js';

const user = `mtsu${process.pid}`;
const extra = `mtsx${process.pid}`;
let dir: string;
let cz: Containerizer;

const gidOf = (group: string): number => Number(execFileSync('getent', ['group', group], { encoding: 'utf8' }).split(':')[2]);

beforeAll(async () => {
  if (process.getuid?.() !== 0) throw new Error('groups.test.ts makes a user and groups: run it as root');
  execFileSync('groupadd', [extra]);
  execFileSync('useradd', ['--no-create-home', '--user-group', '--groups', extra, '--shell', '/bin/sh', user]);
  dir = tmp();
  cz = await Containerizer.create({ metaDir: join(dir, 'meta'), launcher: 'helper' });
});

afterAll(async () => {
  cz?.close();
  if (dir) await cleanup(dir);
  execFileSync('userdel', [user], { stdio: 'ignore' });
  execFileSync('groupdel', [extra], { stdio: 'ignore' });
});

test("the helper runs a task with its user's primary and supplementary groups", async () => {
  const id = cid();
  const sandbox = join(dir, 'runs', id);
  const c = await cz.launch({ containerId: id, command: { shell: true, value: 'id -g; id -G' }, sandbox, limits: {}, user });
  const t = await c.wait();
  expect(t.status?.code).toBe(0);
  const [primary, all] = readFileSync(join(sandbox, 'stdout'), 'utf8').trim().split('\n');
  expect(Number(primary)).toBe(gidOf(user));
  expect(all!.split(' ').map(Number).sort((a, b) => a - b)).toEqual([gidOf(user), gidOf(extra)].sort((a, b) => a - b));
});
