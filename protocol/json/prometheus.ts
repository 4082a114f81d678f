/**
 * The Prometheus text exposition format (version 0.0.4) of a flat Mesos
 * metrics snapshot, served at `/metrics` by master and agent beside the
 * JSON `/metrics/snapshot`: `master/tasks_running` becomes
 * `mesos_master_tasks_running`, each a gauge; a non-finite value is written 0.
 */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4';

export function prometheus(metrics: Record<string, number>): string {
  const lines: string[] = [];
  for (const [name, value] of Object.entries(metrics).sort(([a], [b]) => (a < b ? -1 : 1))) {
    const metric = `mesos_${name.replace(/[^a-zA-Z0-9_]/g, '_')}`;
    lines.push(`# TYPE ${metric} gauge`, `${metric} ${Number.isFinite(value) ? value : 0}`);
  }
  return lines.join('\n') + '\n';
}
