// A cluster whose runtimes authenticate, over real WebSockets on 127.0.0.1:
// a master with --credentials (and --authenticate_agents/_frameworks), an
// agent with --credential (a file), and the SDK's scheduler driver with a
// credential of its own, running a real task to TASK_FINISHED. An agent
// without a credential is refused by that master, and a raw WebSocket client
// cannot make the agent run a command.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LIBPROCESS_PATH, PEER_HEADER, createLogger, encodeFrame } from 'libprocess-ts';
import { WebSocket } from 'ws';
import { SchedulerDriver, commandTask, offerResources, take, type Scheduler } from '../../framework/index.js';
import { startMaster, type MasterServer } from '../../master/main.js';
import type { MasterProcess } from '../../master/master.js';
import type { Offer, TaskStatus } from '../../protocol/types.js';
import { silentLogger } from '../containerizer/index.js';
import { startAgent, type StartedAgent } from '../main.js';
import { tempDir } from './helpers.js';
import { untilTrue } from '../../test/wait.js';

const quiet = createLogger('test', 'silent');

describe('a cluster with credentials over WebSockets', () => {
  let master: MasterServer & { master: MasterProcess };
  let agent: StartedAgent;
  let anonymous: StartedAgent | undefined;
  let driver: SchedulerDriver;
  const updates: TaskStatus[] = [];
  const offers: Offer[] = [];
  const dir = tempDir('agent-auth-');

  beforeAll(async () => {
    const credentials = [
      { principal: 'cluster', secret: 'c'.repeat(32) },
      { principal: 'fw', secret: 'f'.repeat(32) },
    ];
    // One file for the cluster, as `mesos-ts local` writes it: the agent takes its first entry, the cluster's principal.
    writeFileSync(join(dir, 'credentials.json'), JSON.stringify({ credentials }), { mode: 0o600 });
    master = (await startMaster({ ip: '127.0.0.1', port: 0, logger: quiet, credentials, flags: { authenticateAgents: true, authenticateFrameworks: true } })) as typeof master;
    agent = await startAgent(
      { master: master.pid.toString(), port: 0, work_dir: join(dir, 'agent'), resources: 'cpus:2;mem:512;disk:512;ports:[31000-31010]', registration_backoff_factor: 0, fsync: false, seed: 7, credential: join(dir, 'credentials.json') },
      { logger: silentLogger },
    );
    const scheduler: Scheduler = {
      resourceOffers: (_d, list) => void offers.push(...list),
      statusUpdate: (_d, status) => void updates.push(status),
    };
    driver = await SchedulerDriver.start({ master: master.pid.toString(), framework: { name: 'authenticated' }, scheduler, credential: credentials[1]!, random: 1, logger: quiet });
    await untilTrue('an offer', () => offers.length > 0);
  });

  afterAll(async () => {
    await driver?.stop().catch(() => undefined);
    await anonymous?.stop();
    await agent?.stop();
    await master?.stop();
  });

  test('the agent registers, the framework subscribes as its principal, a task runs', async () => {
    const framework = master.master.state.frameworks.get(driver.frameworkId!)!;
    expect(framework.principal).toBe('fw');
    expect(framework.info.principal).toBe('fw');
    expect(master.runtime.principalOf(agent.pid)).toBe('cluster');
    const offer = offers.shift()!;
    driver.launchTasks(offer.id, [commandTask('hello', offer, take(offerResources(offer), 'cpus:0.1;mem:32')!, 'true')]);
    await untilTrue('TASK_FINISHED', () => updates.some((u) => u.task_id.value === 'hello' && u.state === 'TASK_FINISHED'));
    expect(master.runtime.metrics()['transport/connections_authenticated']).toBeGreaterThanOrEqual(2);
  });

  test('a raw WebSocket client cannot make the agent run a command: not as itself, not with the master in `from`, not from the master\'s address', async () => {
    const sockets: WebSocket[] = [];
    const attempt = (peer: string): Promise<number> =>
      new Promise((resolve) => {
        const ws = new WebSocket(`ws://${agent.runtime.address}${LIBPROCESS_PATH}`, { headers: { [PEER_HEADER]: peer } });
        ws.on('open', () => {
          const task = { name: 'evil', task_id: { value: `evil-${peer}` }, agent_id: { value: agent.agent.agentId! }, resources: [], command: { value: 'touch /tmp/pwned' } };
          const runTask = { framework: { user: 'root', name: 'x', id: { value: driver.frameworkId! } }, framework_id: { value: driver.frameworkId! }, task };
          ws.send(encodeFrame([
            { to: agent.pid.toString(), from: `master@${peer}`, name: 'run_task', body: runTask },
            { to: agent.pid.toString(), from: master.pid.toString(), name: 'run_task', body: runTask },
          ]));
        });
        ws.on('close', (code) => resolve(code));
        ws.on('error', () => {});
        sockets.push(ws);
      });
    const spoofedBefore = agent.runtime.metrics()['spoofed_sender']!;
    const first = attempt('127.0.0.1:1'); // as itself (a master at 127.0.0.1:1), and claiming the real master in `from`
    await untilTrue('both messages refused', () => agent.runtime.metrics()['spoofed_sender']! === spoofedBefore + 1 && agent.agent.counters.get('slave/messages_from_non_master') === 1);
    sockets[0]!.close();
    await first;
    expect(await attempt(master.runtime.address)).toBe(4403); // the master's own address, live under 'cluster'
    expect(agent.runtime.metrics()['hijack_refused']).toBe(1);
    expect([...agent.agent.frameworks.values()].flatMap((f) => [...f.executors.values()]).flatMap((e) => [...e.tasks.keys()])).not.toContain('evil-127.0.0.1:1');
  });

  test('an agent without a credential is refused by a master with --authenticate_agents', async () => {
    anonymous = await startAgent(
      { master: master.pid.toString(), port: 0, work_dir: join(dir, 'anonymous'), resources: 'cpus:1;mem:64;disk:64;ports:[31011-31012]', registration_backoff_factor: 0, fsync: false, seed: 8 },
      { logger: silentLogger },
    );
    await untilTrue('a refused registration', () => (master.master.state.counters.get('master/agent_registrations_unauthenticated') ?? 0) >= 1);
    expect(anonymous.agent.state).toBe('DISCONNECTED');
    expect(master.master.state.agents.size).toBe(1);
  });
});
