// --filter_gpu_resources on an in-process cluster (virtual clock), as Mesos's allocator: an agent with GPUs is
// offered only to frameworks with the GPU_RESOURCES capability (the whole agent, not just its gpus), agents
// without GPUs to everyone; with the flag false, GPU agents to every framework. /master/flags shows the flag.
import { afterEach, describe, expect, test } from '@jest/globals';
import { Resources } from '../../protocol/resources.js';
import { flagTexts } from '../flag-texts.js';
import { masterFlags } from '../flags.js';
import { cluster, type Cluster } from './helpers/cluster.js';
import { commandTask, type TestScheduler } from './helpers/peers.js';

let c: Cluster | undefined;
afterEach(async () => {
  await c?.stop();
  c = undefined;
});

const GPU = { capabilities: [{ type: 'GPU_RESOURCES' as const }] };
/** Each offer as `<agent's gpus>:<gpus offered>`, sorted. */
const offered = (s: TestScheduler, gpuAgent: string): string[] =>
  [...s.offers.values()].map((o) => `${o.agent_id.value === gpuAgent ? 'gpu-agent' : 'plain-agent'}:${Resources.of(o.resources).scalar('gpus')}`).sort();

describe('--filter_gpu_resources', () => {
  test('default true: the GPU agent only to the framework with GPU_RESOURCES, the plain agent to both', async () => {
    c = await cluster();
    const { agent: g } = await c.agent({ resources: 'cpus:4;mem:1024;gpus:2' });
    await c.agent({ resources: 'cpus:4;mem:1024' });
    const { scheduler: plain } = await c.scheduler({ role: 'a' });
    await c.clock.advance(5);
    expect(offered(plain, g.agentId!)).toEqual(['plain-agent:0']);
    const { scheduler: gpu } = await c.scheduler({ role: 'b', ...GPU });
    await c.clock.advance(5);
    expect(offered(gpu, g.agentId!)).toEqual(['gpu-agent:2']);
    expect(offered(plain, g.agentId!)).toEqual(['plain-agent:0']);
  });

  test('false: every framework is offered the GPU agent', async () => {
    c = await cluster({ filterGpuResources: false });
    const { agent: g } = await c.agent({ resources: 'cpus:4;mem:1024;gpus:2' });
    const { scheduler: plain } = await c.scheduler({ role: 'a' });
    await c.clock.advance(5);
    expect(offered(plain, g.agentId!)).toEqual(['gpu-agent:2']);
  });

  test('a task asking a fraction of a GPU is refused with TASK_ERROR naming it; whole GPUs launch', async () => {
    c = await cluster();
    await c.agent({ resources: 'cpus:4;mem:1024;gpus:2' });
    const { scheduler } = await c.scheduler({ role: 'b', ...GPU });
    await c.clock.advance(5);
    const offer = [...scheduler.offers.values()][0]!;
    scheduler.accept([offer.id.value], [{ type: 'LAUNCH', launch: { task_infos: [commandTask('half', offer, 'cpus:1;mem:64;gpus:0.5'), commandTask('one', offer, 'cpus:1;mem:64;gpus:1')] } }], 0);
    await c.clock.settle();
    const half = scheduler.statuses('half');
    expect(half.map((s) => [s.state, s.reason])).toEqual([['TASK_ERROR', 'REASON_TASK_INVALID']]);
    expect(half[0]!.message).toContain("task half: 'gpus' must be a whole number of GPUs, not 0.5");
    expect(scheduler.states('one')).toEqual(['TASK_RUNNING']);
  });

  test('shown by /master/flags, and checked', () => {
    expect(flagTexts(masterFlags())).toContainEqual(['filter_gpu_resources', 'true']);
    expect(flagTexts(masterFlags({ filterGpuResources: false }))).toContainEqual(['filter_gpu_resources', 'false']);
    expect(() => masterFlags({ filterGpuResources: 'yes' as never })).toThrow('master flag filterGpuResources: expected true or false, got yes');
  });
});
