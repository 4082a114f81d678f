/**
 * Reading the agent's checkpoints back after a restart (Mesos's
 * src/slave/state.cpp): the agent id from `meta/slaves/latest`, its
 * AgentInfo, and every checkpointed framework, executor, run and task with
 * the path of the task's updates file as agents kept it before the journal
 * (status-updates.ts reads it, when there, before the journal). Every file is validated; a bad one throws
 * CheckpointError naming it and the problem.
 */
import type { AgentInfo, ExecutorInfo, FrameworkInfo, TaskInfo } from '../protocol/types.js';
import {
  agentInfoPath,
  CheckpointError,
  executorInfoPath,
  executorMetaDir,
  frameworkInfoPath,
  frameworkMetaDir,
  latestAgentPath,
  listDirs,
  readJSON,
  readText,
  runInfoPath,
  runMetaDir,
  taskInfoPath,
  taskUpdatesPath,
  agentMetaDir,
} from './checkpoint.js';
import { nodeDisk, type AgentDisk } from './disk.js';

export interface RecoveredTask {
  readonly info: TaskInfo;
  /** The task's own updates file of an agent before the journal (usually absent; none for a journaled command task). */
  readonly legacyUpdatesPath?: string;
}

export interface RunInfo {
  containerId: string;
  directory: string;
  /** A custom executor's PID text, once it registered. */
  pid?: string;
  /** The run is over (its executor terminated) and only its updates remain. */
  completed?: boolean;
}

export interface RecoveredExecutor {
  readonly info: ExecutorInfo;
  readonly command: boolean;
  readonly run: RunInfo;
  readonly tasks: RecoveredTask[];
  /** A command task checkpointed in the journal (command-checkpoint.ts), not in directories. */
  readonly journaled?: boolean;
}

export interface RecoveredFramework {
  readonly id: string;
  readonly info: FrameworkInfo;
  readonly pid?: string;
  readonly executors: RecoveredExecutor[];
}

export interface RecoveredAgentState {
  readonly agentId: string;
  readonly info: AgentInfo;
  readonly frameworks: RecoveredFramework[];
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function need<T>(path: string, v: unknown, check: (v: Record<string, unknown>) => string | undefined): T {
  if (!isObject(v)) throw new CheckpointError(path, 'expected a JSON object');
  const problem = check(v);
  if (problem) throw new CheckpointError(path, problem);
  return v as T;
}

const idValue = (v: unknown): boolean => isObject(v) && typeof v.value === 'string' && v.value !== '';

/** Reads everything; undefined when there is no `latest` (a fresh agent). */
export function readAgentState(workDir: string, disk: AgentDisk = nodeDisk): RecoveredAgentState | undefined {
  const latestPath = latestAgentPath(workDir);
  const latest = readText(latestPath, disk);
  if (latest === undefined) return undefined;
  const agentId = latest.trim();
  if (!/^[A-Za-z0-9_.\-]+$/.test(agentId)) throw new CheckpointError(latestPath, `'${latest.slice(0, 64)}' is not an agent id`);
  const infoPath = agentInfoPath(workDir, agentId);
  const rawInfo = readJSON(infoPath, disk);
  if (rawInfo === undefined) throw new CheckpointError(infoPath, 'missing (the agent id in meta/slaves/latest has no slave.info)');
  const info = need<AgentInfo>(infoPath, rawInfo, (o) => (typeof o.hostname !== 'string' ? "'hostname' must be a string" : !Array.isArray(o.resources ?? []) ? "'resources' must be an array" : undefined));

  const frameworks: RecoveredFramework[] = [];
  for (const fw of listDirs(`${agentMetaDir(workDir, agentId)}/frameworks`, disk)) {
    const fwPath = frameworkInfoPath(workDir, agentId, fw);
    const raw = readJSON(fwPath, disk);
    if (raw === undefined) continue; // created but never written: nothing to recover
    const rec = need<{ info: FrameworkInfo; pid?: string }>(fwPath, raw, (o) =>
      !isObject(o.info) ? "'info' must be a FrameworkInfo object" : typeof (o.info as Record<string, unknown>).name !== 'string' ? "'info.name' must be a string" : o.pid !== undefined && typeof o.pid !== 'string' ? "'pid' must be a string" : undefined,
    );
    const executors: RecoveredExecutor[] = [];
    for (const ex of listDirs(`${frameworkMetaDir(workDir, agentId, fw)}/executors`, disk)) {
      const exPath = executorInfoPath(workDir, agentId, fw, ex);
      const rawEx = readJSON(exPath, disk);
      if (rawEx === undefined) continue;
      const exRec = need<{ info: ExecutorInfo; command: boolean }>(exPath, rawEx, (o) =>
        !isObject(o.info) || !idValue((o.info as Record<string, unknown>).executor_id) ? "'info.executor_id' must be an id" : typeof o.command !== 'boolean' ? "'command' must be a boolean" : undefined,
      );
      for (const run of listDirs(`${executorMetaDir(workDir, agentId, fw, ex)}/runs`, disk)) {
        const runPath = runInfoPath(workDir, agentId, fw, ex, run);
        const rawRun = readJSON(runPath, disk);
        if (rawRun === undefined) continue;
        const runInfo = need<RunInfo>(runPath, rawRun, (o) =>
          o.containerId !== run ? `'containerId' must be '${run}' (the run's directory)` : typeof o.directory !== 'string' ? "'directory' must be a string" : o.pid !== undefined && typeof o.pid !== 'string' ? "'pid' must be a string" : undefined,
        );
        const tasks: RecoveredTask[] = [];
        for (const task of listDirs(`${runMetaDir(workDir, agentId, fw, ex, run)}/tasks`, disk)) {
          const tPath = taskInfoPath(workDir, agentId, fw, ex, run, task);
          const rawTask = readJSON(tPath, disk);
          if (rawTask === undefined) continue;
          const t = need<TaskInfo>(tPath, rawTask, (o) => (!idValue(o.task_id) ? "'task_id' must be an id" : (o.task_id as { value: string }).value !== task ? `'task_id' must be '${task}' (the task's directory)` : undefined));
          tasks.push({ info: t, legacyUpdatesPath: taskUpdatesPath(workDir, agentId, fw, ex, run, task) });
        }
        executors.push({ info: exRec.info, command: exRec.command, run: runInfo, tasks });
      }
    }
    frameworks.push({ id: fw, info: rec.info, ...(rec.pid !== undefined ? { pid: rec.pid } : {}), executors });
  }
  return { agentId, info, frameworks };
}
