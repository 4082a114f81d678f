/**
 * What the agent's components share (AgentProcess implements it): the
 * actor's means (send, delay, defer, its clock), the agent's identity and
 * books, its disk and containerizer, and the other components. A component
 * takes an `AgentCore` and reaches the others only through it, so each one's
 * file says what it owns and what it asks of the rest.
 *
 *   AgentProcess (agent.ts: handlers, lifecycle, kill and shutdown)
 *     ├─ masterLink  MasterLink        (master-link.ts)
 *     ├─ books       AgentBooks        (books.ts)
 *     ├─ checkpoints AgentCheckpoints  (agent-checkpoints.ts)
 *     ├─ updates     TaskUpdates       (task-updates.ts)
 *     ├─ launcher    ContainerLaunch   (container-launch.ts)
 *     ├─ commands    CommandTasks      (command-tasks.ts)
 *     └─ custom      CustomExecutors   (custom-executors.ts)
 *   and, once at start, AgentRecovery (agent-recovery.ts)
 */
import type { Clock, PID, Protocol, Random, Timer } from 'libprocess-ts';
import type { AgentToMaster } from '../protocol/messages/master-agent.js';
import type { AgentInfo } from '../protocol/types.js';
import type { AgentCheckpoints } from './agent-checkpoints.js';
import type { AgentContainerizer, AgentStateName } from './agent.js';
import type { AgentBooks } from './books.js';
import type { CommandTasks } from './command-tasks.js';
import type { ContainerLaunch } from './container-launch.js';
import type { CustomExecutors } from './custom-executors.js';
import type { Logger } from './containerizer/index.js';
import type { AgentDisk } from './disk.js';
import type { ExecutorTokens } from './executor-token.js';
import type { UriFetcher } from './fetcher/fetcher.js';
import type { AgentFlags } from './flags.js';
import type { MasterLink } from './master-link.js';
import type { NestedContainers } from './nested-containers.js';
import type { AgentReservations } from './resources-checkpoint.js';
import type { StatusUpdateManager } from './status-updates.js';
import type { TaskUpdates } from './task-updates.js';
import type { AgentVolumes } from './volumes.js';

export interface AgentCore {
  readonly flags: AgentFlags;
  readonly logger: Logger;
  readonly disk: AgentDisk;
  readonly random: Random;
  readonly cz: AgentContainerizer;
  readonly volumes: AgentVolumes;
  readonly fetcher: UriFetcher;
  readonly sum: StatusUpdateManager;
  readonly reservations: AgentReservations;
  readonly nested: NestedContainers;
  readonly clock: Clock;
  readonly pid: PID;
  readonly isRoot: boolean;
  readonly executorTokens: ExecutorTokens;
  state: AgentStateName;
  agentId: string | undefined;
  readonly checkpoints: AgentCheckpoints;
  readonly books: AgentBooks;
  readonly updates: TaskUpdates;
  readonly masterLink: MasterLink;
  readonly launcher: ContainerLaunch;
  readonly commands: CommandTasks;
  readonly custom: CustomExecutors;
  /** The master this agent talks to now. */
  master: PID<AgentToMaster>;

  send<Q extends Protocol, N extends keyof Q & string>(to: PID<Q>, name: N, body: Q[N]): void;
  link(pid: PID): void;
  delay(ms: number, fn: () => void): Timer;
  defer<A extends unknown[]>(fn: (...args: A) => void): (...args: A) => void;
  count(name: string, by?: number): void;
  agentInfo(): AgentInfo;
  /** The endpoint tasks are told about (MESOS_AGENT_ENDPOINT). */
  endpoint(): string;
  /** Destroys a container; a failure is counted and logged. */
  destroyContainer(c: { destroy(): Promise<unknown> }, why: string): Promise<void>;
}
