import { formatDuration } from '../protocol/durations.js';
import type { MasterFlags } from './flags.js';

/**
 * The master's flags as Mesos shows them (`/master/flags` and the operator
 * API's GET_FLAGS): Mesos's snake_case names, durations as Mesos writes them
 * (`1secs`), weights as `role=w,...`; a flag that is not set is left out, and
 * no secret is ever shown (the credentials as a count of principals). One
 * rendering for both endpoints, so they cannot drift.
 */
export function flagTexts(f: MasterFlags): [string, string][] {
  const out: [string, string | undefined][] = [
    ['hostname', f.hostname],
    ['allocation_interval', formatDuration(f.allocationIntervalMs)],
    ['offer_timeout', f.offerTimeoutMs === undefined ? undefined : formatDuration(f.offerTimeoutMs)],
    ['agent_ping_timeout', formatDuration(f.agentPingTimeoutMs)],
    ['max_agent_ping_timeouts', String(f.maxAgentPingTimeouts)],
    ['default_refuse_seconds', String(f.defaultRefuseSeconds)],
    ['heartbeat_interval', formatDuration(f.heartbeatIntervalSeconds * 1000)],
    ['max_completed_frameworks', String(f.maxCompletedFrameworks)],
    ['max_completed_tasks_per_framework', String(f.maxCompletedTasksPerFramework)],
    ['max_unreachable_agents', String(f.maxUnreachableAgents)],
    ['weights', Object.entries(f.weights).map(([r, w]) => `${r}=${w}`).join(',')],
    ['cluster', f.cluster],
    ['credentials', f.credentials === undefined ? undefined : `(${f.credentials.size} principals)`],
    ['authenticate_frameworks', String(f.authenticateFrameworks)],
    ['authenticate_agents', String(f.authenticateAgents)],
    ['authenticate_http_readwrite', String(f.authenticateHttpReadwrite)],
    ['authenticate_http_readonly', String(f.authenticateHttpReadonly)],
    ['acls', f.acls === undefined ? undefined : JSON.stringify(f.acls)],
    ['log_dir', f.logDir],
    ['masters', f.masters.length > 0 ? f.masters.join(',') : undefined],
    ['filter_gpu_resources', String(f.filterGpuResources)],
    ['fair_sharing_excluded_resource_names', f.fairSharingExcludedResourceNames.length > 0 ? f.fairSharingExcludedResourceNames.join(',') : undefined],
  ];
  return out.filter((e): e is [string, string] => e[1] !== undefined);
}
