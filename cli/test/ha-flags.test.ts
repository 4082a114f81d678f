// The HA flags of `mesos-ts master` (--masters, --quorum, --registry,
// --work_dir, --agent_reregister_timeout) and startMaster's checks: a bad
// value is refused with a message naming the flag.
import { describe, expect, test } from '@jest/globals';
import { masterAddress, startMaster } from '../../master/main.js';
import { haOptions } from '../commands/master.js';

describe('master HA flags', () => {
  test('several masters: a replicated log under --work_dir, quorum and timeout parsed', () => {
    expect(haOptions({ masters: '127.0.0.1:5050, 127.0.0.1:5051,127.0.0.1:5052', quorum: '2', work_dir: '/tmp/m1', agent_reregister_timeout: '30secs' })).toEqual({
      masters: ['127.0.0.1:5050', '127.0.0.1:5051', '127.0.0.1:5052'],
      quorum: 2,
      workDir: '/tmp/m1',
      replicatedLog: true,
      reregisterTimeoutMs: 30_000,
    });
    // One master: no log unless asked for.
    expect(haOptions({})).toEqual({});
    expect(haOptions({ registry: 'replicated_log', work_dir: '/tmp/m' })).toEqual({ workDir: '/tmp/m', replicatedLog: true });
  });

  test('bad values name their flag', () => {
    expect(() => haOptions({ masters: 'a:1,b:2' })).toThrow('--work_dir is required with the replicated log');
    expect(() => haOptions({ masters: 'a:1,nope', work_dir: '/tmp/x' })).toThrow("masters: 'nope' is not HOST:PORT");
    expect(() => haOptions({ masters: 'a:1,b:2', work_dir: '/tmp/x', registry: 'in_memory' })).toThrow('--registry=in_memory cannot work with 2 --masters');
    expect(() => haOptions({ registry: 'zk', work_dir: '/tmp/x' })).toThrow('--registry=zk: expected in_memory or replicated_log');
    expect(() => haOptions({ masters: 'a:1,b:2', work_dir: '/tmp/x', quorum: 'many' })).toThrow(/quorum/);
    expect(() => masterAddress('h:70000')).toThrow("masters: 'h:70000' is not HOST:PORT with a port in 1..65535");
    expect(masterAddress('master@h:5050')).toBe('h:5050');
  });

  test('startMaster refuses a replica set without itself, a bad quorum, a duplicate, or port 0', async () => {
    await expect(startMaster({ ip: '127.0.0.1', port: 0, masters: ['127.0.0.1:1', '127.0.0.1:2'], workDir: '/tmp/x' })).rejects.toThrow('needs a fixed --port');
    await expect(startMaster({ ip: '127.0.0.1', port: 5999, masters: ['127.0.0.1:1', '127.0.0.1:1'], workDir: '/tmp/x' })).rejects.toThrow('names a master twice');
    await expect(startMaster({ ip: '127.0.0.1', port: 5999, masters: ['127.0.0.1:1', '127.0.0.1:2', '127.0.0.1:3'], quorum: 1, workDir: '/tmp/x' })).rejects.toThrow('quorum: 1 for 3 master(s) must be an integer above 1.5 and at most 3');
    await expect(startMaster({ ip: '127.0.0.1', port: 0, masters: ['127.0.0.1:1', '127.0.0.1:2'] })).rejects.toThrow('needs --work_dir');
  });
});
