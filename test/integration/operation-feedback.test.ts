// Operation feedback with agents that answer operations (AGENT_OPERATION_FEEDBACK), in process on the
// virtual clock: three masters with high availability, the real agent actor (fake containerizer) and a
// scripted scheduler. An operation is OPERATION_PENDING until the agent says it applied it; the record is
// in the registry, so a new leader answers OPERATION_PENDING (not OPERATION_UNKNOWN) and takes the agent's
// answer when it re-registers; the agent checkpoints its operations and reports them after a restart; an
// operation whose agent is lost before it got it is OPERATION_DROPPED. Acknowledged, it is forgotten by the
// master, the registry and the agent.
import { afterEach, describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { Random, type Runtime } from 'libprocess-ts';
import { dropMessages } from 'libprocess-ts/testing';
import { AgentProcess } from '../../agent/agent.js';
import { agentFlags } from '../../agent/flags.js';
import { operationsInfoPath } from '../../agent/operations.js';
import { FakeContainerizer, tempDir } from '../../agent/test/helpers.js';
import { HaCluster, retarget } from '../../master/test/helpers/ha-cluster.js';
import type { TestScheduler } from '../../master/test/helpers/peers.js';
import type { OperationStatus } from '../../protocol/operations.js';
import { Resources } from '../../protocol/resources.js';

let c: HaCluster | undefined;
const drops: { remove(): void }[] = [];
afterEach(async () => {
  for (const d of drops.splice(0)) d.remove();
  await c?.stop();
  c = undefined;
});

/** Drops `name` on its way to the masters (the agent's answer) or to the agent (the master's checkpoint). */
const drop = (name: string): { dropped: unknown[]; remove(): void } => {
  const d = dropMessages(name, undefined, (pid) => pid.startsWith(name === 'checkpoint_resources' ? 'slave(1)@' : 'master@'));
  drops.push(d);
  return d;
};

/** A real agent on its own runtime, given every master; `workDir` again for a restart. */
async function startAgent(cl: HaCluster, workDir: string, name: string): Promise<{ agent: AgentProcess; runtime: Runtime }> {
  const runtime = await cl.runtime(name);
  const flags = agentFlags({ master: [0, 1, 2].map((i) => cl.masterPid(i).toString()).join(','), work_dir: workDir, fsync: false, resources: 'cpus:4;mem:1024;disk:1000', registration_backoff_factor: '10ms' });
  const agent = new AgentProcess({ flags, resources: Resources.parse(flags.resources!), containerizer: new FakeContainerizer(), random: new Random(7) });
  runtime.spawn(agent, 'slave(1)');
  return { agent, runtime };
}

const statuses = (s: TestScheduler, id: string): OperationStatus[] => s.named('update_operation_status').map((b) => b.status).filter((x) => x.operation_id?.value === id);
const reconcile = (s: TestScheduler, id: string, agentId?: string): void =>
  s.call('reconcile_operations', { framework_id: s.fw, operations: [{ operation_id: { value: id }, ...(agentId !== undefined ? { agent_id: { value: agentId } } : {}) }] });
const reserve = (s: TestScheduler, id: string): void => {
  const offer = [...s.offers.values()][0]!;
  s.accept([offer.id.value], [{ type: 'RESERVE', id: { value: id }, reserve: { resources: Resources.parse('cpus(eng@ops):1').allocate('eng').toJSON() } }], 0);
};
const onDisk = (workDir: string): string[] => (JSON.parse(readFileSync(operationsInfoPath(workDir), 'utf8')) as { info: { id: { value: string } } }[]).map((o) => o.info.id.value);

async function world(seed: number): Promise<{ cl: HaCluster; leader: number; agent: AgentProcess; runtime: Runtime; workDir: string; scheduler: TestScheduler }> {
  const cl = (c = new HaCluster(3, seed, { reregisterTimeoutMs: 60_000 }));
  await cl.startAll();
  const leader = await cl.awaitLeader();
  const workDir = tempDir('operation-feedback-');
  const { agent, runtime } = await startAgent(cl, workDir, 'agent1');
  const scheduler = await cl.scheduler(leader, { roles: ['eng'], principal: 'ops', failover_timeout: 3600, capabilities: [{ type: 'MULTI_ROLE' }] });
  const master = cl.nodes[leader]!.ha!.master!;
  await cl.until(() => master.state.agents.size === 1 && scheduler.offers.size === 1);
  return { cl, leader, agent, runtime, workDir, scheduler };
}

describe('operation feedback from the agent', () => {
  test('PENDING until the agent answers; a new leader answers PENDING from the registry, then FINISHED once the agent re-registers; acknowledged, forgotten everywhere', async () => {
    const { cl, leader, agent, workDir, scheduler } = await world(41);
    const answers = drop('update_operation_status');
    reserve(scheduler, 'r1');
    await cl.until(() => answers.dropped.length === 1);
    const master = cl.nodes[leader]!.ha!.master!;
    expect(master.state.operations.of(scheduler.frameworkId!).get('r1')?.statuses.map((s) => s.state)).toEqual(['OPERATION_PENDING']);
    // No status event while pending (as Mesos); reconciliation says it.
    expect(statuses(scheduler, 'r1')).toEqual([]);
    reconcile(scheduler, 'r1');
    await cl.until(() => statuses(scheduler, 'r1').length === 1);
    expect(statuses(scheduler, 'r1')[0]!.state).toBe('OPERATION_PENDING');
    // The agent applied it and keeps it, checkpointed, until the framework acknowledges it.
    expect(agent.reservations.checkpointed.equals(Resources.parse('cpus(eng@ops):1'))).toBe(true);
    expect(agent.operations.list.map((o) => o.latest_status.state)).toEqual(['OPERATION_FINISHED']);
    expect(onDisk(workDir)).toEqual(['r1']);

    // The leader dies before it hears the answer. The new one answers from the registry. (The agent's
    // re-registration is held back meanwhile, so that the framework can ask before it.)
    const stall = drop('reregister_agent');
    await cl.kill(leader);
    const next = await cl.awaitLeader(5000);
    const m2 = cl.nodes[next]!.ha!.master!;
    retarget(scheduler, cl.masterPid(next));
    answers.remove();
    // The agent has not re-registered yet: reconciliation still says PENDING, not UNKNOWN.
    scheduler.subscribe();
    await cl.until(() => m2.state.frameworks.get(scheduler.frameworkId!)?.connected === true);
    reconcile(scheduler, 'r1', agent.agentId);
    await cl.until(() => statuses(scheduler, 'r1').length === 2);
    expect(statuses(scheduler, 'r1')[1]!.state).toBe('OPERATION_PENDING');

    // The agent re-registers reporting the operation it applied: FINISHED, with the agent's uuid, to acknowledge.
    stall.remove();
    await cl.until(() => statuses(scheduler, 'r1').some((s) => s.state === 'OPERATION_FINISHED'), 30_000);
    const finished = statuses(scheduler, 'r1').find((s) => s.state === 'OPERATION_FINISHED')!;
    expect(finished.uuid?.value).toEqual(agent.operations.list[0]!.latest_status.uuid?.value);
    expect(Resources.of(finished.converted_resources ?? []).unallocate().equals(Resources.parse('cpus(eng@ops):1'))).toBe(true);
    scheduler.call('acknowledge_operation_status', { framework_id: scheduler.fw, agent_id: { value: agent.agentId! }, operation_id: { value: 'r1' }, uuid: finished.uuid!.value });
    await cl.until(() => agent.operations.list.length === 0);
    expect(m2.state.operations.size).toBe(0);
    expect(onDisk(workDir)).toEqual([]);
  });

  test('the agent restarts before the framework acknowledges: it recovers its operations and reports them; acknowledged, it forgets them', async () => {
    const { cl, leader, runtime, workDir, scheduler } = await world(42);
    const answers = drop('update_operation_status');
    reserve(scheduler, 'r2');
    await cl.until(() => answers.dropped.length === 1);
    answers.remove();
    await runtime.stop();

    const again = await startAgent(cl, workDir, 'agent1');
    // Recovered from operations.info before it re-registers.
    await cl.until(() => again.agent.operations !== undefined && again.agent.operations.list.length === 1);
    expect(again.agent.operations.list[0]!.latest_status.state).toBe('OPERATION_FINISHED');
    await cl.until(() => statuses(scheduler, 'r2').some((s) => s.state === 'OPERATION_FINISHED'), 30_000);
    const master = cl.nodes[leader]!.ha!.master!;
    expect(master.state.operations.of(scheduler.frameworkId!).get('r2')?.statuses.map((s) => s.state)).toEqual(['OPERATION_PENDING', 'OPERATION_FINISHED']);
    const finished = statuses(scheduler, 'r2').find((s) => s.state === 'OPERATION_FINISHED')!;
    scheduler.call('acknowledge_operation_status', { framework_id: scheduler.fw, agent_id: finished.agent_id!, operation_id: { value: 'r2' }, uuid: finished.uuid!.value });
    await cl.until(() => again.agent.operations.list.length === 0);
    expect(onDisk(workDir)).toEqual([]);
    expect(master.state.operations.size).toBe(0);
  });

  test('an agent that never got the operation: sent again when it re-registers; dropped when it is lost', async () => {
    const { cl, leader, runtime, workDir, scheduler } = await world(43);
    const master = cl.nodes[leader]!.ha!.master!;
    // The checkpoint never reaches the agent; its connection breaks and it re-registers: the master sends the operation again.
    const lost = drop('checkpoint_resources');
    reserve(scheduler, 'r3');
    await cl.until(() => lost.dropped.length === 1);
    lost.remove();
    await runtime.stop();
    const again = await startAgent(cl, workDir, 'agent1');
    await cl.until(() => statuses(scheduler, 'r3').some((s) => s.state === 'OPERATION_FINISHED'), 30_000);
    expect(again.agent.reservations.checkpointed.equals(Resources.parse('cpus(eng@ops):1'))).toBe(true);

    // A second operation whose checkpoint is lost, and the agent dies for good: OPERATION_DROPPED once it is unreachable.
    await cl.until(() => scheduler.offers.size > 0, 30_000);
    const lost2 = drop('checkpoint_resources');
    const offer = [...scheduler.offers.values()][0]!;
    scheduler.accept([offer.id.value], [{ type: 'UNRESERVE', id: { value: 'u1' }, unreserve: { resources: Resources.parse('cpus(eng@ops):1').allocate('eng').toJSON() } }], 0);
    await cl.until(() => lost2.dropped.length === 1);
    expect(master.state.operations.of(scheduler.frameworkId!).get('u1')?.statuses.map((s) => s.state)).toEqual(['OPERATION_PENDING']);
    await again.runtime.stop();
    await cl.until(() => statuses(scheduler, 'u1').length > 0, 200_000);
    const dropped = statuses(scheduler, 'u1')[0]!;
    expect(dropped.state).toBe('OPERATION_DROPPED');
    expect(dropped.message).toMatch(/the agent was lost before it applied the operation/);
    expect(dropped.uuid).toBeDefined();
  });
});
