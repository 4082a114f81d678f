/**
 * A `mesos-ts local` cluster for the experiment, as a child process (the
 * experiments sit above the CLI): its own work dir, ports chosen by the OS and
 * an mDNS name of its own; up once it prints 'cluster up'; stopped by SIGTERM
 * (it stops its masters and agents first), waited for, its work dir removed.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtBenchmark } from '../bench.js';

export interface ExperimentCluster {
  /** host:port of every master, for --master. */
  readonly masters: string;
  stop(): Promise<void>;
}

export function startCluster(agents: number, resources: string): Promise<ExperimentCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'mesos-ts-mpi-experiment-'));
  const child = spawn(process.execPath, [builtBenchmark('cli/main.js'), 'local', '--port=0', '--masters=1', `--agents=${agents}`, `--resources=${resources}`, `--work_dir=${join(dir, 'cluster')}`, '--mdns=false', `--mdns_name=mpi-experiment-${process.pid}`], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LIBPROCESS_LOG_LEVEL: 'warn' } });
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  };
  return new Promise((resolve, reject) => {
    let out = '';
    const onData = (c: Buffer): void => {
      out += c.toString();
      if (!out.includes('cluster up')) return;
      child.stdout.off('data', onData);
      child.stdout.resume();
      const json = JSON.parse(readFileSync(join(dir, 'cluster', 'cluster.json'), 'utf8')) as { masters: { url: string }[] };
      resolve({ masters: json.masters.map((m) => m.url.replace(/^http:\/\//, '')).join(','), stop });
    };
    child.stdout.on('data', onData);
    child.stderr.resume();
    void exited.then(() => reject(new Error(`mesos-ts local exited before 'cluster up'; its output:\n${out.slice(-2000)}`)));
  });
}
