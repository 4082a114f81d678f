import { Command, Option } from 'commander';
import { realClock, type Timer } from 'libprocess-ts';
import { SchedulerDriver, take, toResources } from '../../framework/scheduler/index.js';
import { isTerminal } from '../../protocol/task-states.js';
import { masterAddresses, mdnsNameOption, parseMdnsName } from '../discovery.js';
import { commandCredential, credentialOptions } from '../credentials.js';
import { parseDuration } from '../durations.js';
import { exitStatusOf, groupExitStatus, parseEnv, statusLines } from '../execute-output.js';
import { launchGroupOperation, readTaskGroup, withEnvironment } from '../task-group.js';
import type { TaskStatus } from '../../protocol/types.js';
import { say } from '../process-util.js';
import { parseImageReference } from '../../agent/provisioner/reference.js';
import { parseUriOption } from '../execute-uri.js';

/**
 * `mesos-ts execute`: runs one command as a task (like mesos-execute), or a
 * task group under the default executor (--task_group), prints each status
 * update as mesos-execute does, and exits with the command's exit status (a
 * group: 0 when every task finished, else that of the first task to end
 * otherwise). Given one master of a replica set, the driver learns the others from
 * it (framework/scheduler/replica-detector.ts) and follows the leader when that master dies.
 */
export function executeCommand(): Command {
  return new Command('execute')
    .description('run a command as a task on the cluster, print its status updates, exit with its exit status')
    .addOption(new Option('--master <host:port,...|mdns>', 'where the masters are (one of a replica set is enough: the others are learnt from it)').default('mdns').env('MESOS_MASTER'))
    .addOption(mdnsNameOption())
    .option('--command <cmd>', "the shell command to run (with --docker_image, optional: the image's entrypoint runs)")
    .option('--task_group <file.json>', "run a task group instead (Mesos's TaskGroupInfo JSON) under the default executor; exits once every task ended")
    .option('--docker_image <name>', 'run the task in this Docker image (agents with --image_providers=docker)')
    .option('--name <name>', 'task and framework name', 'mesos-ts-execute')
    .option('--resources <text>', 'what the task needs', 'cpus:0.1;mem:32')
    .option('--gpus <n>', 'whole GPUs for the task, added to --resources (agents with --isolation=gpu/nvidia); the framework then has the GPU_RESOURCES capability')
    .option('--role <role>', 'the role to take resources from', '*')
    .option('--uri <uri|json>', "fetch this into the task's sandbox first (repeatable): http(s)://, file:// or /path, archives extracted; or a CommandInfo.URI as JSON, e.g. '{\"value\":\"http://h/tool\",\"executable\":true,\"cache\":true}'", (v: string, all: string[]) => [...all, v], [] as string[])
    .option('--env <json|file>', 'the task\'s environment: a JSON object inline (\'{"A":"1"}\') or the path of a file holding one')
    .option('--kill_after <duration>', 'kill the task this long after it is running (e.g. 10secs)')
    .option('--checkpoint', 'the framework checkpoints: its task survives a restart of its agent', false)
    .addOption(credentialOptions()[0]!)
    .addOption(credentialOptions()[1]!)
    .addHelpText('after', `
Each status update is printed as mesos-execute prints it:
  Received status update TASK_FAILED for task 'hello'
    message: 'Command exited with status 3'
    source: SOURCE_EXECUTOR
    reason: REASON_COMMAND_EXECUTOR_FAILED

Examples:
  $ mesos-ts execute --master=127.0.0.1:5050 --name=hello --command='echo hello; sleep 1'
  $ mesos-ts execute --command='exit 3'; echo $?        # prints 3
  $ mesos-ts execute --command='echo $GREETING' --env='{"GREETING":"hi"}'
  $ mesos-ts execute --command='sleep 600' --kill_after=10secs --checkpoint --env=/etc/task-env.json
  $ mesos-ts execute --uri=http://127.0.0.1:8000/app.tar.gz --command='./app/run.sh'   # fetched and extracted first
  $ mesos-ts execute --uri='{"value":"/srv/tool","executable":true,"cache":true}' --uri=/srv/data.zip --command='./tool data'
  $ mesos-ts execute --docker_image=busybox --command='cat /etc/os-release'
  $ mesos-ts execute --gpus=1 --command='nvidia-smi; echo $CUDA_VISIBLE_DEVICES'   # one whole GPU of an agent with gpu/nvidia
  $ mesos-ts execute --docker_image=127.0.0.1:5000/team/app        # the image's entrypoint and cmd
  $ mesos-ts execute --task_group=pod.json   # {"tasks": [{"name": "a", "task_id": {"value": "a"}, "resources": [...], "command": {"value": "..."}}, ...]}`)
    .action(async (o: { master: string; mdns_name?: string; command?: string; docker_image?: string; task_group?: string; name: string; resources: string; gpus?: string; role: string; env?: string; uri: string[]; kill_after?: string; checkpoint: boolean; principal?: string; secret?: string }) => {
      if (o.task_group !== undefined && (o.command !== undefined || o.docker_image !== undefined)) throw new Error('--task_group runs the tasks its file names: give it without --command and --docker_image');
      if (o.task_group === undefined && o.command === undefined && o.docker_image === undefined) throw new Error("--command is required (or --docker_image, to run the image's entrypoint, or --task_group)");
      if (o.docker_image !== undefined) parseImageReference(o.docker_image); // a bad name is refused here, naming what is wrong
      if (o.task_group !== undefined && o.gpus !== undefined) throw new Error("--gpus is for --command: give a task group's GPUs in its tasks' resources (gpus:N)");
      if (o.task_group !== undefined && o.uri.length > 0) throw new Error("--uri is for --command: give a task group's URIs in its file (each task's command.uris)");
      const uris = o.uri.map(parseUriOption);
      const group = o.task_group !== undefined ? withEnvironment(readTaskGroup(o.task_group), o.env === undefined ? {} : parseEnv(o.env)) : undefined;
      const ended = new Map<string, TaskStatus>();
      const need = o.gpus === undefined ? toResources(o.resources) : toResources(o.resources).add(toResources(`gpus:${gpusOption(o.gpus)}`));
      // GPU agents are offered only to frameworks that say they use GPUs (the master's --filter_gpu_resources).
      const usesGpus = need.scalar('gpus') > 0 || (group?.tasks ?? []).some((t) => toResources(t.resources ?? []).scalar('gpus') > 0);
      const env = o.env === undefined ? {} : parseEnv(o.env);
      const killAfterMs = o.kill_after === undefined ? undefined : parseDuration('kill_after', o.kill_after);
      const masters = await masterAddresses(o.master, 5000, 0, parseMdnsName(o.mdns_name));
      // The framework's principal: given, else the local cluster's operator (cluster.json).
      const credential = commandCredential(o, masters);
      let launched = false;
      let killTimer: Timer | undefined;
      let finished: (code: number) => void;
      const done = new Promise<number>((r) => (finished = r));
      const driver = await SchedulerDriver.start({
        master: masters, // a list on the driver's own runtime: it learns the rest of the replica set
        framework: { name: o.name, role: o.role, failover_timeout: 0, checkpoint: o.checkpoint, ...(usesGpus ? { capabilities: [{ type: 'GPU_RESOURCES' as const }] } : {}), ...(credential !== undefined ? { principal: credential.principal } : {}) },
        ...(credential !== undefined ? { credential } : {}),
        scheduler: {
          registered: (_d, id) => say(`subscribed as framework ${id.value}`),
          reregistered: (d) => say(`subscribed again, to ${d.master?.toString() ?? 'a master'}`),
          resourceOffers: (d, offers) => {
            for (const offer of offers) {
              if (group !== undefined) {
                const op = launched ? undefined : launchGroupOperation(group, offer, `${o.name}-executor`, o.resources);
                if (op === undefined) d.declineOffer(offer.id, { refuse_seconds: 60 });
                else {
                  launched = true;
                  d.acceptOffers([offer.id], [op]);
                  say(`launching task group of ${group.tasks.map((t) => `'${t.task_id.value}'`).join(', ')} on agent ${offer.agent_id.value} (${offer.hostname})`);
                }
                continue;
              }
              const resources = launched ? undefined : take(toResources(offer.resources), need);
              if (resources === undefined) {
                d.declineOffer(offer.id, { refuse_seconds: 60 });
                continue;
              }
              launched = true;
              d.launchTasks(offer.id, [{
                name: o.name,
                task_id: { value: o.name },
                agent_id: offer.agent_id,
                resources: resources.toJSON(),
                command: { ...(o.command !== undefined ? { shell: true, value: o.command } : { shell: false }), ...(uris.length > 0 ? { uris } : {}), ...(Object.keys(env).length > 0 ? { environment: { variables: Object.entries(env).map(([name, value]) => ({ name, value })) } } : {}) },
                ...(o.docker_image !== undefined ? { container: { type: 'MESOS' as const, mesos: { image: { type: 'DOCKER', docker: { name: o.docker_image } } } } } : {}),
              }]);
              say(`launching task ${o.name} on agent ${offer.agent_id.value} (${offer.hostname})`);
            }
          },
          statusUpdate: (d, status) => {
            for (const line of statusLines(status)) say(line);
            if (status.state === 'TASK_RUNNING' && killAfterMs !== undefined && killTimer === undefined) {
              killTimer = realClock.timer(killAfterMs, () => {
                say(`killing task ${status.task_id.value} after ${o.kill_after}`);
                d.killTask(status.task_id, status.agent_id);
              });
            }
            if (isTerminal(status.state) && group !== undefined) {
              if (!ended.has(status.task_id.value)) ended.set(status.task_id.value, status);
              if (group.tasks.every((t) => ended.has(t.task_id.value))) finished(groupExitStatus([...ended.values()]));
            } else if (isTerminal(status.state)) {
              killTimer?.cancel();
              finished(exitStatusOf(status));
            }
          },
          error: (_d, message) => {
            process.stderr.write(`mesos-ts execute: ${message}\n`);
            finished(1);
          },
        },
      });
      const code = await done;
      await driver.stop(false);
      await driver.runtime.stop();
      process.exit(code);
    });
}

/** `--gpus`: a whole number of GPUs, at least 1. */
export function gpusOption(text: string): number {
  if (!/^\d+$/.test(text.trim()) || Number(text) < 1) throw new Error(`--gpus=${text}: expected a whole number of GPUs (1, 2, ...)`);
  return Number(text);
}
