// The pure parts of mesos-ts mpiexec: placement over offers merged per agent (round-robin, all or
// nothing, capacity of the agents), Hydra's command line, its manual launcher's lines, the proxy
// task's command and the rank wrapper (both run by sh), the wrapper's line.
import { describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { Resources } from '../../framework/scheduler/helpers.js';
import type { Offer } from '../../protocol/types.js';
import { hydraArgs, parseLaunchLine, parseRankFailure, proxyTaskCommand } from '../mpi/hydra.js';
import { capacityOfAgents, mergeByAgent, place, slotsIn } from '../mpi/placement.js';

const offer = (id: string, agent: string, resources: string): Offer => ({
  id: { value: id },
  framework_id: { value: 'f' },
  agent_id: { value: agent },
  hostname: `${agent}.local`,
  resources: Resources.parse(resources).toJSON(),
});
const per = Resources.parse('cpus:1;mem:128');

describe('placement', () => {
  test('offers of one agent are merged; ranks dealt round-robin; one node per agent with the sum of its ranks', () => {
    const rooms = mergeByAgent([offer('o1', 'a', 'cpus:1;mem:512'), offer('o2', 'b', 'cpus:4;mem:4096'), offer('o3', 'a', 'cpus:1;mem:512')]);
    expect(rooms.map((r) => [r.agentId, r.offerIds.map((o) => o.value), r.resources.scalar('cpus')])).toEqual([['a', ['o1', 'o3'], 2], ['b', ['o2'], 4]]);
    const p = place(rooms, 5, per);
    expect(p.nodes?.map((n) => [n.hostname, n.ranks, n.resources.scalar('cpus'), n.resources.scalar('mem')])).toEqual([['a.local', 2, 2, 256], ['b.local', 3, 3, 384]]);
    expect(p.room).toBe(5);
  });

  test('all or nothing: no nodes when the room is short, and the room per host said', () => {
    const p = place(mergeByAgent([offer('o1', 'a', 'cpus:2;mem:200'), offer('o2', 'b', 'cpus:0.5;mem:4096')]), 3, per);
    expect(p.nodes).toBeUndefined();
    expect(p.room).toBe(1);
    expect(p.roomByHost).toEqual([{ hostname: 'a.local', slots: 1 }, { hostname: 'b.local', slots: 0 }]);
  });

  test('--max_per_agent caps one agent', () => {
    const rooms = mergeByAgent([offer('o1', 'a', 'cpus:8;mem:8192'), offer('o2', 'b', 'cpus:8;mem:8192')]);
    expect(place(rooms, 4, per, 2).nodes?.map((n) => n.ranks)).toEqual([2, 2]);
    expect(place(rooms, 5, per, 2).nodes).toBeUndefined();
    expect(slotsIn(Resources.parse('cpus:2.5;mem:1000'), per, 10)).toBe(2);
  });

  test("the agents' capacity from their total resources", () => {
    const cap = capacityOfAgents([{ hostname: 'a', resources: { cpus: 2, mem: 1024, disk: 10 } }, { hostname: 'b', resources: { cpus: 8, mem: 300 } }], per, 100);
    expect(cap).toEqual({ total: 4, byHost: [{ hostname: 'a', slots: 2 }, { hostname: 'b', slots: 2 }] });
  });
});

describe('Hydra', () => {
  test('the command line: host tokens with rank counts, the manual launcher, the rank wrapper, the program', () => {
    const args = hydraArgs({ ranksPerNode: [2, 1], program: './is', args: ['20', 'a b'], controlHost: '192.0.2.1' });
    expect(args.slice(0, 6)).toEqual(['-launcher', 'manual', '-hosts', 'mesos-ts-node-0:2,mesos-ts-node-1:1', '-localhost', '192.0.2.1']);
    expect(args.slice(6, 10)).toEqual(['-n', '3', '/bin/sh', '-c']);
    expect(args.slice(11)).toEqual(['./is', '20', 'a b']);
  });

  test("the manual launcher's lines: each proxy's id and command line", () => {
    const line = 'HYDRA_LAUNCH: /usr/bin/hydra_pmi_proxy --control-port vm:44723 --rmk user --launcher manual --demux poll --pgid 0 --retries 10 --usize -2 --pmi-port 0 --gpus-per-proc -2 --proxy-id 12 ';
    expect(parseLaunchLine(line)).toEqual({ proxyId: 12, command: line.slice('HYDRA_LAUNCH: '.length).trim() });
    expect(parseLaunchLine('HYDRA_LAUNCH: /usr/bin/hydra_pmi_proxy --control-port vm:1')).toBeUndefined();
    expect(parseLaunchLine('rank 0: HYDRA_LAUNCH: x --proxy-id 1')).toBeUndefined();
    expect(parseLaunchLine('HYDRA_LAUNCH_END')).toBeUndefined();
  });

  test('the rank wrapper runs the program with its arguments and names the rank when it fails', () => {
    const args = hydraArgs({ ranksPerNode: [1], program: 'p', args: [] });
    const wrapper = args[args.indexOf('-c') + 1]!;
    const run = (script: string, ...argv: string[]): { out: string; code: number } => {
      try {
        return { out: execFileSync('/bin/sh', ['-c', wrapper, '/bin/sh', '-c', script, ...argv], { env: { PMI_RANK: '4', PATH: process.env['PATH'] ?? '' }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }), code: 0 };
      } catch (e) {
        const err = e as { status: number; stdout: string; stderr: string };
        return { out: err.stdout + err.stderr, code: err.status };
      }
    };
    expect(run('echo "$0 $1"', 'x', 'two words')).toEqual({ out: 'x two words\n', code: 0 });
    const failed = run('exit 3');
    expect(failed.code).toBe(3);
    expect(parseRankFailure(failed.out)).toEqual({ rank: 4, status: 3 });
    expect(parseRankFailure('rank 4 exited with status 3')).toBeUndefined();
  });

  test("the proxy task's command ends with the proxy's status", () => {
    expect(() => execFileSync('/bin/sh', ['-c', proxyTaskCommand('sh -c "exit 5"')])).toThrow(expect.objectContaining({ status: 5 }));
    execFileSync('/bin/sh', ['-c', proxyTaskCommand('"/bin/true" --x')]);
  });
});
