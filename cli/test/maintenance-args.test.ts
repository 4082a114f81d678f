// The arguments of `mesos-ts agents` and `mesos-ts maintenance`, checked before any call:
// machines (hostname, ip, hostname/ip), start times, which agent a name means, and the state
// word of the agents table. (The commands against a real cluster: examples/test/maintenance-real.test.ts.)
import { describe, expect, test } from '@jest/globals';
import { agentState, findAgent } from '../commands/agents.js';
import { machineArg, machinesArg, startArg } from '../commands/maintenance.js';

const slave = (id: string, hostname: string, ip: string, extra: Record<string, unknown> = {}) => ({ id, hostname, pid: `slave(1)@${ip}:5051`, active: true, resources: {}, used_resources: {}, ...extra });

describe('maintenance arguments', () => {
  test('machines: hostname, ip or hostname/ip; each checked; a list split on commas', () => {
    expect(machineArg('Agent2.local')).toEqual({ hostname: 'agent2.local' });
    expect(machineArg('127.0.0.3')).toEqual({ ip: '127.0.0.3' });
    expect(machineArg('agent2.local/127.0.0.3')).toEqual({ hostname: 'agent2.local', ip: '127.0.0.3' });
    expect(() => machineArg('bad_host!')).toThrow("machine 'bad_host!'.hostname: 'bad_host!' is not a host name");
    expect(() => machineArg('a/300.0.0.1')).toThrow("machine 'a/300.0.0.1'.ip: '300.0.0.1' is not an IPv4 address");
    expect(machinesArg(['a,b', 'c'])).toEqual([{ hostname: 'a' }, { hostname: 'b' }, { hostname: 'c' }]);
    expect(() => machinesArg([' , '])).toThrow('name at least one machine');
  });

  test('start: now, +duration, or ISO-8601', () => {
    expect(startArg('now', 1_000)).toBe(1_000);
    expect(startArg('+10mins', 1_000)).toBe(601_000);
    expect(startArg('2030-01-01T00:00:00Z', 0)).toBe(1893456000000);
    expect(() => startArg('tomorrow', 0)).toThrow('--start=tomorrow: expected now, +<duration> (e.g. +10mins) or an ISO-8601 time');
    expect(() => startArg('+soon', 0)).toThrow('--start=soon: expected a duration');
  });
});

describe('agents arguments', () => {
  const agents = [slave('S0', 'agent1.local', '127.0.0.2'), slave('S1', 'agent2.local', '127.0.0.3'), slave('S2', 'twin', '127.0.0.4'), slave('S3', 'twin', '127.0.0.5')];
  test('an agent by id, hostname (any case) or IP; an ambiguous or unknown name says so', () => {
    expect(findAgent(agents, 'S1').id).toBe('S1');
    expect(findAgent(agents, 'AGENT2.local').id).toBe('S1');
    expect(findAgent(agents, '127.0.0.2').id).toBe('S0');
    expect(() => findAgent(agents, 'twin')).toThrow("'twin' names 2 agents (S2, S3): give an agent id");
    expect(() => findAgent(agents, 'nope')).toThrow("no agent 'nope' (by id, hostname or IP) is registered; mesos-ts agents lists them");
  });

  test('the state word: drain first, then deactivation, then the connection', () => {
    expect(agentState(slave('a', 'h', '1.1.1.1', { drain_info: { state: 'DRAINING' }, deactivated: true, active: false }))).toBe('DRAINING');
    expect(agentState(slave('a', 'h', '1.1.1.1', { deactivated: true, active: false }))).toBe('DEACTIVATED');
    expect(agentState(slave('a', 'h', '1.1.1.1', { connected: false, active: false }))).toBe('DISCONNECTED');
    expect(agentState(slave('a', 'h', '1.1.1.1'))).toBe('ACTIVE');
  });
});
