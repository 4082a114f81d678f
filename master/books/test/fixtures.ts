/** Records for the books core's tests: agents, frameworks and tasks built directly, no master around them. */
import { Resources } from '../../../protocol/resources.js';
import type { Task, TaskState, TaskStatus } from '../../../protocol/types.js';
import { Agent } from '../../agent.js';
import { MasterState } from '../../context.js';
import { masterFlags } from '../../flags.js';
import { Framework } from '../../framework.js';
import type { Effect } from '../effects.js';

export const books = (maxUnreachableAgents = 10_000): MasterState => new MasterState(masterFlags({ maxUnreachableAgents }));

export const agent = (id: string, resources = 'cpus:4;mem:4096', pid = `slave(1)@${id}.test:5051`): Agent =>
  new Agent(id, { hostname: `host-${id}`, id: { value: id }, resources: Resources.parse(resources).toJSON() }, pid, Resources.parse(resources), '1.0', 1_000);

export const framework = (id: string, partitionAware = false): Framework => {
  const f = new Framework(id, { user: 'u', name: `fw-${id}`, id: { value: id }, ...(partitionAware ? { capabilities: [{ type: 'PARTITION_AWARE' }] } : {}) }, 2_000, 100);
  f.connected = true;
  f.active = true;
  return f;
};

export const task = (frameworkId: string, agentId: string, id: string, resources = 'cpus:1;mem:128', state: TaskState = 'TASK_STAGING'): Task => ({
  name: id,
  task_id: { value: id },
  framework_id: { value: frameworkId },
  agent_id: { value: agentId },
  state,
  resources: Resources.parse(resources).toJSON(),
  statuses: [],
});

let uuid = 0;
export const status = (t: Task, state: TaskState): TaskStatus => ({ task_id: t.task_id, state, source: 'SOURCE_EXECUTOR', uuid: new Uint8Array([++uuid & 255, uuid >> 8]), agent_id: t.agent_id });

export const kinds = (effects: readonly Effect[]): string[] =>
  effects.map((e) => (e.kind === 'event' ? `event:${e.event.type}` : e.kind === 'registry' ? `registry:${e.op.op}` : e.kind === 'count' ? `count:${e.name}` : e.kind === 'allocator' ? `allocator:${e.call.name}` : e.kind));

export const used = (r: Resources | undefined): string => (r === undefined || r.isEmpty() ? '' : r.toString());
