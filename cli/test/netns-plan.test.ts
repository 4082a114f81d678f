// The pure parts of `local --hosts=netns`: slots and names (plan.ts), partition rules and the
// nft script (faults.ts), the fault commands' arguments, the keepalive setting.
import { describe, expect, test } from '@jest/globals';
import { keepaliveFromEnv } from 'libprocess-ts';
import { parsePercent, parseRate } from '../commands/local-netns.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { nftScript, partitionRules, readFaults } from '../netns/faults.js';
import { tempDir } from '../../test/temp.js';
import { keepaliveEnv, parseHosts } from '../netns/hosts.js';
import { freeSlots, MAX_NODES, overlaps, planNetwork, slotHolder, SLOTS } from '../netns/plan.js';

describe('plan', () => {
  test("a slot's holder: no bridge is free; a bridge not yet named is another cluster's claim under way, never a dead one's", () => {
    const alive = (alias: string): boolean => alias.includes('pid=7 ');
    expect(slotHolder(undefined, alive)).toBe('free');
    // Between another cluster's `ip link add` and its alias: taking it for stale destroyed that cluster's namespaces.
    expect(slotHolder('', alive)).toBe('held');
    expect(slotHolder('mesos-ts pid=7 id=a', alive)).toBe('held');
    expect(slotHolder('mesos-ts pid=8 id=b', alive)).toBe('stale');
  });

  test('a slot is a /28 of the documentation ranges; the bridge takes .1, nodes the next', () => {
    const p = planNetwork(17, ['master1', 'agent1']);
    expect(p).toMatchObject({ prefix: 'mts17', bridge: 'mts17', bridgeIp: '198.51.100.17', subnet: '198.51.100.16/28' });
    expect(p.nodes).toEqual([
      { name: 'master1', netns: 'mts17-master1', ip: '198.51.100.18', hostLink: 'mts17v0' },
      { name: 'agent1', netns: 'mts17-agent1', ip: '198.51.100.19', hostLink: 'mts17v1' },
    ]);
    expect(planNetwork(0, ['a']).subnet).toBe('192.0.2.0/28');
    expect(planNetwork(SLOTS - 1, ['a']).nodes[0]!.ip).toBe('198.51.100.242');
    // Link names stay within the kernel's 15 characters.
    for (const n of planNetwork(SLOTS - 1, Array.from({ length: MAX_NODES }, (_, i) => `node${i}`)).nodes) expect(n.hostLink.length).toBeLessThanOrEqual(15);
  });

  test('bad plans are refused with what was wrong', () => {
    expect(() => planNetwork(SLOTS, ['a'])).toThrow(`netns slot ${SLOTS}: expected 0..${SLOTS - 1}`);
    expect(() => planNetwork(0, Array.from({ length: MAX_NODES + 1 }, (_, i) => `n${i}`))).toThrow('do not fit a /28');
    expect(() => planNetwork(0, ['Master'])).toThrow("node name 'Master'");
    expect(() => planNetwork(0, ['a', 'a'])).toThrow("node name 'a' given twice");
  });

  test('slots that touch an address or route of the machine are not used', () => {
    expect(overlaps('192.0.2.2/24', '192.0.2.16/28')).toBe(true);
    expect(overlaps('192.0.2.2', '192.0.2.0/28')).toBe(true);
    expect(overlaps('10.0.0.0/8', '192.0.2.0/28')).toBe(false);
    expect(overlaps('198.51.100.32/28', '198.51.100.16/28')).toBe(false);
    // This machine's eth0 is 192.0.2.2/24: only 198.51.100.0/24 is left.
    expect(freeSlots(['192.0.2.2/24', '127.0.0.0/8'])).toEqual(Array.from({ length: 16 }, (_, i) => 16 + i));
    expect(freeSlots([])).toHaveLength(SLOTS);
  });
});

describe('partitions and the nft script', () => {
  const plan = planNetwork(16, ['master1', 'master2', 'master3', 'agent1']);
  test('one group: cut from everyone else, both ways', () => {
    const r = partitionRules(plan, [['master1']], false);
    expect(r.get('master1')).toEqual({ denyIn: ['198.51.100.3', '198.51.100.4', '198.51.100.5'], denyOut: ['198.51.100.3', '198.51.100.4', '198.51.100.5'] });
    expect(r.get('master2')).toEqual({ denyIn: ['198.51.100.2'], denyOut: ['198.51.100.2'] });
  });
  test('groups: the unnamed nodes are one more group', () => {
    const r = partitionRules(plan, [['master1', 'agent1'], ['master2']], false);
    expect(r.get('master1')!.denyOut).toEqual(['198.51.100.3', '198.51.100.4']);
    expect(r.get('master3')!.denyOut).toEqual(['198.51.100.2', '198.51.100.3', '198.51.100.5']);
  });
  test('one way: only the first group cannot send', () => {
    const r = partitionRules(plan, [['master1']], true);
    expect(r.get('master1')).toEqual({ denyIn: [], denyOut: ['198.51.100.3', '198.51.100.4', '198.51.100.5'] });
    expect(r.get('master2')).toEqual({ denyIn: [], denyOut: [] });
  });
  test('unknown or repeated nodes are refused', () => {
    expect(() => partitionRules(plan, [['master9']], false)).toThrow("no node 'master9' in this cluster (its nodes: master1, master2, master3, agent1)");
    expect(() => partitionRules(plan, [['master1'], ['master1']], false)).toThrow("node 'master1' is in two groups");
  });
  test('the script replaces the table; loss is a random share of what leaves eth0', () => {
    const s = nftScript(plan, { partition: { groups: [['master1']], oneWay: false }, links: { master1: { lossPercent: 12.5 } }, disks: {} }, 'master1');
    expect(s).toContain('delete table inet mts_fault');
    expect(s).toContain('ip saddr { 198.51.100.3, 198.51.100.4, 198.51.100.5 } drop');
    expect(s).toContain('ip daddr { 198.51.100.3, 198.51.100.4, 198.51.100.5 } drop');
    expect(s).toContain('oifname "eth0" numgen random mod 10000 < 1250 drop');
    const healed = nftScript(plan, { links: {}, disks: {} }, 'master1');
    expect(healed).not.toContain('drop');
  });
});

describe('arguments', () => {
  test('percentages, rates, hosts, keepalive', () => {
    expect(parsePercent('loss', '10%')).toBe(10);
    expect(parsePercent('loss', '0.5')).toBe(0.5);
    expect(() => parsePercent('loss', '120%')).toThrow("loss '120%': expected a percentage 0-100");
    expect(parseRate('1mbit')).toBe(1000);
    expect(parseRate('256kbit')).toBe(256);
    expect(() => parseRate('fast')).toThrow("rate 'fast'");
    expect(parseHosts('netns')).toBe('netns');
    expect(() => parseHosts('vm')).toThrow('--hosts=vm: expected loopback or netns');
    expect(keepaliveEnv(undefined, 'loopback')).toEqual({});
    expect(keepaliveEnv(undefined, 'netns')).toEqual({ LIBPROCESS_KEEPALIVE_INTERVAL_MS: '500' });
    expect(keepaliveEnv('500ms', 'loopback')).toEqual({ LIBPROCESS_KEEPALIVE_INTERVAL_MS: '500' });
    expect(() => keepaliveEnv('1ms', 'netns')).toThrow('--keepalive=1ms: expected at least 10ms');
    expect(keepaliveFromEnv({ LIBPROCESS_KEEPALIVE_INTERVAL_MS: '750' })).toEqual({ keepaliveIntervalMs: 750 });
    expect(keepaliveFromEnv({})).toEqual({});
    expect(keepaliveFromEnv({ LIBPROCESS_KEEPALIVE_MISSES: '5' })).toEqual({ keepaliveMisses: 5 });
    expect(() => keepaliveFromEnv({ LIBPROCESS_KEEPALIVE_MISSES: '0' })).toThrow('LIBPROCESS_KEEPALIVE_MISSES="0": expected a count of pings from 1 to 9999');
    expect(() => keepaliveFromEnv({ LIBPROCESS_KEEPALIVE_INTERVAL_MS: 'soon' })).toThrow('LIBPROCESS_KEEPALIVE_INTERVAL_MS="soon": expected milliseconds');
  });
});

describe('the faults file, read back', () => {
  test('absent: no faults; malformed: an error naming the file and what was expected', async () => {
    const dir = tempDir('mesos-ts-netns-faults');
    expect(readFaults(dir.path)).toEqual({ links: {}, disks: {} });
    writeFileSync(join(dir.path, 'netns-faults.json'), '{"partition": {"groups": [["master1"]], "oneWay": false}, "links": {}, "disks": {}}');
    expect(readFaults(dir.path).partition).toEqual({ groups: [['master1']], oneWay: false });
    writeFileSync(join(dir.path, 'netns-faults.json'), '{"partition": {"groups": "master1"}}');
    expect(() => readFaults(dir.path)).toThrow(`${join(dir.path, 'netns-faults.json')}: expected {"partition"?`);
    writeFileSync(join(dir.path, 'netns-faults.json'), '{');
    expect(() => readFaults(dir.path)).toThrow('not JSON');
    await dir.remove();
  });
});
