import { describe, test, expect } from '@jest/globals';
import { pack, unpack } from 'msgpackr';
import type { Handlers, Protocol } from 'libprocess-ts';
import type {
  AgentToExecutor,
  AgentToMaster,
  ExecutorToAgent,
  MasterAgentMessages,
  MasterSchedulerMessages,
  AgentExecutorMessages,
  MasterToAgent,
  MasterToScheduler,
  SchedulerToMaster,
} from '../messages/index.js';
import { Resources } from '../resources.js';

// Compile-time: every message map is a libprocess-ts Protocol, and the two
// directions of each pair do not reuse a name (their intersection is a map).
type IsProtocol<P extends Protocol> = P;
export type Checked = [
  IsProtocol<MasterToAgent>,
  IsProtocol<AgentToMaster>,
  IsProtocol<SchedulerToMaster>,
  IsProtocol<MasterToScheduler>,
  IsProtocol<AgentToExecutor>,
  IsProtocol<ExecutorToAgent>,
  IsProtocol<MasterAgentMessages>,
  IsProtocol<MasterSchedulerMessages>,
  IsProtocol<AgentExecutorMessages>,
];

describe('message maps', () => {
  test('bodies are plain data that survive msgpack', () => {
    const body: MasterToAgent['run_task'] = {
      framework: { user: 'u', name: 'n', id: { value: 'M-0000' } },
      framework_id: { value: 'M-0000' },
      task: {
        name: 't',
        task_id: { value: 't1' },
        agent_id: { value: 'M-S0' },
        resources: Resources.parse('cpus:0.5;mem:64;ports:[31000-31001]').toJSON(),
        command: { value: 'sleep 1' },
        data: new Uint8Array([1, 2, 3]),
      },
    };
    const back = unpack(pack(body)) as typeof body;
    expect(back).toEqual(body);
    expect(Resources.fromJSON(back.task.resources).equals(Resources.parse('cpus:0.5;mem:64;ports:[31000-31001]'))).toBe(true);
  });

  test('a handler table can be declared for each direction', () => {
    const seen: string[] = [];
    const agentSide: Pick<Handlers<MasterToAgent>, 'ping' | 'kill_task'> = {
      ping: (b) => seen.push(`ping ${b.connected}`),
      kill_task: (b) => seen.push(`kill ${b.task_id.value}`),
    };
    agentSide.ping({ connected: true }, undefined as never);
    agentSide.kill_task({ framework_id: { value: 'f' }, task_id: { value: 't' } }, undefined as never);
    expect(seen).toEqual(['ping true', 'kill t']);
  });
});
