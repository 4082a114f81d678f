/**
 * Cron job specs (Chronos-like): a job runs on an ISO 8601 repeating schedule,
 * or after its parents (every one of them succeeded since it last ran).
 * Validated as a whole: unique names, known parents, no cycles.
 */
import { Resources } from '../../protocol/resources.js';
import { parseRepeating, type RepeatingSchedule } from './iso8601.js';

export interface JobSpec {
  name: string;
  command: string;
  /** `R[n]/<start>/<period>`; a job has a schedule or parents, not both. */
  schedule?: string;
  /** Jobs that must all succeed before this one runs. */
  parents?: string[];
  /** Attempts after a failure (default 2). */
  retries?: number;
  /** Wait before a retry (default 5 s). */
  retryDelaySeconds?: number;
  /** Per run (default `cpus:0.1;mem:32`). */
  resources?: string;
}

export interface Job extends Required<Omit<JobSpec, 'schedule' | 'parents'>> {
  schedule: RepeatingSchedule | undefined;
  parents: string[];
  /** Jobs that name this one as a parent. */
  children: string[];
}

const NAME = /^[a-z0-9][a-z0-9_]*$/i;

/** Validates job specs from outside (a JSON array). Throws naming the job and the field. */
export function parseJobs(input: unknown, nowMs: number): Map<string, Job> {
  if (!Array.isArray(input)) throw new Error('jobs: expected a JSON array of job specs');
  const jobs = new Map<string, Job>();
  input.forEach((raw, i) => {
    const where = `jobs[${i}]`;
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error(`${where}: expected an object`);
    const o = raw as Record<string, unknown>;
    const known = new Set(['name', 'command', 'schedule', 'parents', 'retries', 'retryDelaySeconds', 'resources']);
    for (const k of Object.keys(o)) if (!known.has(k)) throw new Error(`${where}: unknown field '${k}'`);
    if (typeof o.name !== 'string' || !NAME.test(o.name)) throw new Error(`${where}: name must match ${NAME}, got ${JSON.stringify(o.name)}`);
    const at = `job ${o.name}`;
    if (jobs.has(o.name)) throw new Error(`${at}: defined twice`);
    if (typeof o.command !== 'string' || o.command.trim() === '') throw new Error(`${at}: command must be a non-empty string`);
    const hasSchedule = o.schedule !== undefined;
    const hasParents = o.parents !== undefined;
    if (hasSchedule === hasParents) throw new Error(`${at}: needs either a schedule or parents (exactly one of them)`);
    let schedule: RepeatingSchedule | undefined;
    if (hasSchedule) {
      if (typeof o.schedule !== 'string') throw new Error(`${at}: schedule must be a string`);
      try {
        schedule = parseRepeating(o.schedule, nowMs);
      } catch (e) {
        throw new Error(`${at}: ${(e as Error).message}`);
      }
    }
    let parents: string[] = [];
    if (hasParents) {
      if (!Array.isArray(o.parents) || o.parents.length === 0 || !o.parents.every((p) => typeof p === 'string')) throw new Error(`${at}: parents must be a non-empty array of job names`);
      parents = [...new Set(o.parents as string[])];
    }
    const retries = o.retries ?? 2;
    if (typeof retries !== 'number' || !Number.isInteger(retries) || retries < 0 || retries > 100) throw new Error(`${at}: retries must be an integer from 0 to 100, got ${JSON.stringify(o.retries)}`);
    const retryDelaySeconds = o.retryDelaySeconds ?? 5;
    if (typeof retryDelaySeconds !== 'number' || !Number.isFinite(retryDelaySeconds) || retryDelaySeconds < 0) throw new Error(`${at}: retryDelaySeconds must be a non-negative number, got ${JSON.stringify(o.retryDelaySeconds)}`);
    const resources = o.resources ?? 'cpus:0.1;mem:32';
    if (typeof resources !== 'string') throw new Error(`${at}: resources must be a string such as cpus:0.1;mem:32`);
    try {
      Resources.parse(resources);
    } catch (e) {
      throw new Error(`${at}: resources: ${(e as Error).message}`);
    }
    jobs.set(o.name, { name: o.name, command: o.command, schedule, parents, children: [], retries, retryDelaySeconds, resources });
  });
  for (const job of jobs.values()) {
    for (const p of job.parents) {
      const parent = jobs.get(p);
      if (parent === undefined) throw new Error(`job ${job.name}: parent ${JSON.stringify(p)} is not a job`);
      if (p === job.name) throw new Error(`job ${job.name}: cannot be its own parent`);
      parent.children.push(job.name);
    }
  }
  const cycle = findCycle(jobs);
  if (cycle) throw new Error(`jobs: dependency cycle ${cycle.join(' -> ')}`);
  return jobs;
}

function findCycle(jobs: Map<string, Job>): string[] | undefined {
  const state = new Map<string, 'visiting' | 'done'>();
  const path: string[] = [];
  const visit = (name: string): string[] | undefined => {
    if (state.get(name) === 'done') return undefined;
    if (state.get(name) === 'visiting') return [...path.slice(path.indexOf(name)), name];
    state.set(name, 'visiting');
    path.push(name);
    for (const c of jobs.get(name)!.children) {
      const found = visit(c);
      if (found) return found;
    }
    path.pop();
    state.set(name, 'done');
    return undefined;
  };
  for (const name of jobs.keys()) {
    const found = visit(name);
    if (found) return found;
  }
  return undefined;
}
