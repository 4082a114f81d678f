// The fencing invariant ("an agent follows no master of an older term") on its own, per agent machine across
// restarts: shown here on scripted deliveries to an agent whose registrations and current master the test sets, as
// the real agent's would change (whole-cluster seeds reach it only under the pause schedules: test/mutations.test.ts).
import { describe, expect, test } from '@jest/globals';
import { PID } from 'libprocess-ts';
import type { AgentProcess } from '../../agent/agent.js';
import type { AgentNode, Cluster } from '../cluster.js';
import { Invariants } from '../invariants.js';

function world() {
  let agent = { registrations: 0, master: PID.parse('master@m1:5050') };
  const disk = { counters: { wipes: 0 } };
  const node = { kind: 'agent', name: 'a1', address: 'a1:5051', agent: agent as unknown as AgentProcess, disk } as unknown as AgentNode & { agent: AgentProcess | undefined };
  const notes: string[] = [];
  const cluster = { agents: [node], leaders: () => [], trace: { note: (t: string) => notes.push(t), freeze: () => {} } } as unknown as Cluster;
  const inv = new Invariants();
  inv.attach(cluster);
  const deliver = (from: string, name: string, term: number): void => cluster.onMessage(from, 'a1:5051', { to: 'slave(1)@a1:5051', from: `master@${from}`, name, body: { agent_id: { value: 'S1' }, term } });
  /** The agent took the registration of `master` (as its handler would: it points there and counts one more). */
  const registers = (master: string): void => {
    agent.master = PID.parse(`master@${master}`);
    agent.registrations++;
  };
  /** The agent restarts on the same machine: a new incarnation, with its disk or (`wipe`) without. */
  const restarts = (wipe: boolean): void => {
    node.agent = undefined;
    if (wipe) disk.counters.wipes++;
    agent = { registrations: 0, master: PID.parse('master@m1:5050') };
    node.agent = agent as unknown as AgentProcess;
  };
  return { inv, deliver, registers, restarts, notes };
}

describe('fencing: an agent follows no master of an older term', () => {
  test('registrations of newer terms, and pings of any, are fine', () => {
    const w = world();
    w.deliver('m1:5050', 'agent_registered', 1);
    w.registers('m1:5050');
    w.deliver('m1:5050', 'ping', 1);
    w.deliver('m2:5050', 'agent_reregistered', 2);
    w.registers('m2:5050');
    w.deliver('m2:5050', 'ping', 2);
    // An old leader's registration that arrives after the newer one and is not taken is no violation.
    w.deliver('m1:5050', 'agent_reregistered', 1);
    w.inv.step();
    expect(w.inv.violation).toBeUndefined();
  });

  test('taking a registration of an older term than one heard is caught, naming the agent, the master and both terms', () => {
    const w = world();
    w.deliver('m2:5050', 'agent_reregistered', 2);
    w.registers('m2:5050');
    w.deliver('m1:5050', 'agent_reregistered', 1); // a deposed leader's answer, late
    w.registers('m1:5050'); // taken (no term check)
    w.inv.step();
    expect(w.inv.violation?.message).toBe('an agent follows no master of an older term: a1 registered with master@m1:5050 of term 1 after hearing from a master of term 2');
    expect(w.notes.at(-1)).toMatch(/^VIOLATION an agent follows no master of an older term/);
  });

  test('a ping of a newer term counts as heard: a registration of an older one after it is caught at the next delivery', () => {
    const w = world();
    w.deliver('m1:5050', 'agent_registered', 1);
    w.registers('m1:5050');
    w.deliver('m3:5050', 'ping', 3);
    w.deliver('m1:5050', 'agent_reregistered', 2);
    w.registers('m1:5050');
    w.deliver('m1:5050', 'ping', 2); // the check runs before this delivery is recorded
    expect(w.inv.violation?.invariant).toBe('an agent follows no master of an older term');
  });


  test('a restarted agent (its disk intact) still owes the terms heard before: an older registration after it is caught', () => {
    const w = world();
    w.deliver('m2:5050', 'agent_reregistered', 2);
    w.registers('m2:5050');
    w.restarts(false);
    w.deliver('m1:5050', 'agent_reregistered', 1); // a deposed leader answers the new incarnation first
    w.registers('m1:5050'); // taken: the restarted agent forgot term 2
    w.inv.step();
    expect(w.inv.violation?.message).toBe('an agent follows no master of an older term: a1 registered with master@m1:5050 of term 1 after hearing from a master of term 2');
  });

  test('a restart after a disk loss owes nothing: the new agent may follow any term first', () => {
    const w = world();
    w.deliver('m2:5050', 'agent_reregistered', 2);
    w.registers('m2:5050');
    w.restarts(true);
    w.deliver('m1:5050', 'agent_registered', 1);
    w.registers('m1:5050');
    w.inv.step();
    expect(w.inv.violation).toBeUndefined();
  });

  test('the last registration of an incarnation that crashed before it was looked at is still checked', () => {
    const w = world();
    w.deliver('m2:5050', 'ping', 2);
    w.deliver('m1:5050', 'agent_reregistered', 1);
    w.registers('m1:5050'); // taken, then the agent crashes before any step or delivery
    w.restarts(false);
    w.deliver('m2:5050', 'agent_reregistered', 2);
    expect(w.inv.violation?.message).toBe('an agent follows no master of an older term: a1 registered with master@m1:5050 of term 1 after hearing from a master of term 2');
  });
});
