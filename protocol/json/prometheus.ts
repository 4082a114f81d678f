/**
 * The Prometheus text exposition format (version 0.0.4) of a flat Mesos
 * metrics snapshot, served at `/metrics` by master and agent beside the
 * JSON `/metrics/snapshot`: `master/tasks_running` becomes
 * `mesos_master_tasks_running`, each a gauge; a non-finite value is written 0.
 * Per-framework metrics (`master/frameworks/<name>/<id>/<metric>`) become
 * one series per framework with labels:
 * `mesos_master_frameworks_calls{framework_name="web",framework_id="...-0000"} 3`.
 */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4';

const FRAMEWORK_METRIC = /^master\/frameworks\/([^/]+)\/([^/]+)\/(.+)$/;

const sanitize = (name: string): string => name.replace(/[^a-zA-Z0-9_]/g, '_');
const label = (v: string): string => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

export function prometheus(metrics: Record<string, number>): string {
  const series = new Map<string, string[]>();
  for (const [name, value] of Object.entries(metrics).sort(([a], [b]) => (a < b ? -1 : 1))) {
    const v = Number.isFinite(value) ? value : 0;
    const fw = FRAMEWORK_METRIC.exec(name);
    let metric: string;
    let line: string;
    if (fw !== null) {
      metric = `mesos_master_frameworks_${sanitize(fw[3]!)}`;
      let frameworkName = fw[1]!;
      try {
        frameworkName = decodeURIComponent(frameworkName);
      } catch {
        // not percent-encoded: shown as it is
      }
      line = `${metric}{framework_name="${label(frameworkName)}",framework_id="${label(fw[2]!)}"} ${v}`;
    } else {
      metric = `mesos_${sanitize(name)}`;
      line = `${metric} ${v}`;
    }
    const lines = series.get(metric);
    if (lines === undefined) series.set(metric, [line]);
    else lines.push(line);
  }
  const out: string[] = [];
  for (const [metric, lines] of [...series].sort(([a], [b]) => (a < b ? -1 : 1))) out.push(`# TYPE ${metric} gauge`, ...lines);
  return out.join('\n') + '\n';
}
