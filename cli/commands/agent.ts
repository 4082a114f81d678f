import { Command, Option } from 'commander';
import { startAgent } from '../../agent/main.js';
import { masterAddresses, mdnsNameOption, parseMdnsName } from '../discovery.js';
import { onShutdown, say } from '../process-util.js';

/** `mesos-ts agent`: flags with Mesos's names, each also from MESOS_<FLAG>; the agent validates every value. */
export function agentCommand(): Command {
  const flag = (name: string, description: string, fallback?: string): Option => {
    const o = new Option(`--${name} <value>`, description).env(`MESOS_${name.toUpperCase()}`);
    return fallback === undefined ? o : o.default(fallback);
  };
  return new Command('agent')
    .description('run an agent: offers this machine to the master and runs tasks')
    .addOption(flag('master', 'the master: HOST:PORT[,HOST:PORT...] or mdns', 'mdns'))
    .addOption(mdnsNameOption())
    .addOption(flag('ip', 'address to listen on', '127.0.0.1'))
    .addOption(flag('port', 'port to listen on (0: any free port)', '5051'))
    .addOption(flag('advertise_ip', 'address the master should use, when --ip is 0.0.0.0'))
    .addOption(flag('hostname', 'hostname reported to the master'))
    .addOption(flag('work_dir', 'sandboxes and checkpoints live here', '/tmp/mesos-ts/agent'))
    .addOption(flag('runtime_dir', "what outlives the agent but not a reboot: its containers' pids and exit records, never fsync'ed (default <work_dir>/meta; a tmpfs such as /run/mesos-ts is faster)"))
    .addOption(flag('resources', "e.g. 'cpus:4;mem:8192;disk:20000;ports:[31000-32000];gpus:1' (what is missing is detected)"))
    .addOption(flag('default_role', "the role resources without one are statically reserved to (default '*': unreserved)"))
    .addOption(flag('attributes', "e.g. 'rack:r1;zone:a;level:3'"))
    .addOption(flag('isolation', 'isolators: posix/cpu,posix/mem | cgroups/cpu,cgroups/mem | disk/du | namespaces/pid | posix/rlimits | network/ports | filesystem/linux,docker/runtime | gpu/nvidia', 'posix/cpu,posix/mem'))
    .addOption(flag('image_providers', 'docker: run tasks in Docker images (needs --isolation with filesystem/linux,docker/runtime)'))
    .addOption(flag('docker_registry', 'where images come from: a registry URL (http://127.0.0.1:5000) or a directory of docker save / OCI tarballs', 'https://registry-1.docker.io'))
    .addOption(flag('docker_store_dir', 'the image store: layers, provisioned root filesystems (default <work_dir>/store/docker)'))
    .addOption(flag('sandbox_directory', 'where the sandbox appears in a container with an image', '/mnt/mesos/sandbox'))
    .addOption(flag('image_provisioner_scratch', "where a container's writable layer lives: disk (under <work_dir>/provisioner) or tmpfs (in memory, a tmpfs of its own: counted in its memory, bounded by its memory limit)", 'disk'))
    .addOption(flag('image_gc_config', 'JSON: {"image_disk_headroom":0.1,"image_disk_watch_interval":{"nanoseconds":3600000000000},"excluded_images":[]}'))
    .addOption(flag('containerizers', 'mesos (the only one; docker is refused with the reason)', 'mesos'))
    .addOption(flag('fetcher_cache_dir', 'where fetched URIs with cache: true are kept (default <work_dir>/fetch; emptied at start)'))
    .addOption(flag('fetcher_cache_size', 'the fetcher cache bound, least recently used evicted first, e.g. 2GB', '2GB'))
    .addOption(flag('fetcher_max_extracted_size', 'how far one fetched archive may expand; past it the task fails naming the limit (default 10GB)'))
    .addOption(flag('container_ports_watch_interval', 'network/ports: how often listening sockets are checked (default 30secs)'))
    .addOption(flag('check_agent_port_range_only', "network/ports: only check ports inside the agent's own ports resource (true|false)"))
    .addOption(flag('enforce_container_ports', 'network/ports: kill a task listening on a port it was not given (default false: only logged)'))
    .addOption(flag('container_ports_isolated_range', 'network/ports: only check these ports, e.g. [0-35000]'))
    .addOption(flag('nvidia_gpu_devices', 'gpu/nvidia: the GPU indices to offer, e.g. 0,1 (with gpus:N in --resources; default: every GPU nvidia-smi lists)'))
    .addOption(flag('nvidia_dev_dir', 'gpu/nvidia: where the NVIDIA device nodes are (default /dev)'))
    .addOption(flag('container_logger', "logrotate: tasks' stdout/stderr go through mesos-ts-logrotate-logger and logrotate, rotated at a maximum size (default: plain sandbox files)"))
    .addOption(flag('container_logger_logrotate_max_stdout_size', 'with --container_logger=logrotate: rotate stdout at this size (default 10MB, at least 4096B)'))
    .addOption(flag('container_logger_logrotate_max_stderr_size', 'the same for stderr (default 10MB)'))
    .addOption(flag('container_logger_logrotate_stdout_options', "lines for logrotate's configuration of stdout, e.g. 'rotate 9'"))
    .addOption(flag('container_logger_logrotate_stderr_options', 'the same for stderr'))
    .addOption(flag('container_logger_logrotate_path', 'the logrotate program (default logrotate, from the PATH)'))
    .addOption(flag('launcher', 'how task processes are started: helper (default: the mesos-ts-launcher process) | spawn | forkserver'))
    .addOption(flag('recover', 'reconnect (keep running tasks across restarts) | cleanup', 'reconnect'))
    .addOption(flag('strict', 'refuse to start when an isolator cannot work here (true|false)'))
    .addOption(flag('registration_backoff_factor', 'first registration delay bound, e.g. 1secs'))
    .addOption(flag('executor_registration_timeout', 'e.g. 1mins'))
    .addOption(flag('executor_shutdown_grace_period', 'e.g. 5secs'))
    .addOption(flag('gc_delay', 'how long finished sandboxes are kept, e.g. 1weeks'))
    .addOption(flag('recovery_timeout', 'how long executors wait for a restarted agent, e.g. 15mins'))
    .addOption(flag('status_update_retry_interval_min', 'first resend of an unacknowledged status update, e.g. 10secs'))
    .addOption(flag('status_update_retry_interval_max', 'cap of the doubling resend interval, e.g. 10mins'))
    .addOption(flag('fsync', 'fsync checkpoints (true|false)'))
    .addOption(flag('seed', "seed of the agent's randomness (registration jitter, uuids, container ids)"))
    .addOption(flag('credential', 'file with this agent\'s {"principal": ..., "secret": ...}: its connections authenticate as it'))
    .addOption(flag('http_credentials', 'principals and secrets HTTP Basic authentication checks against (a credentials file)'))
    .addOption(flag('authenticate_http_readwrite', 'HTTP calls that change something need credentials (true|false)', 'false'))
    .addOption(flag('authenticate_http_readonly', 'HTTP endpoints that only read (state, metrics, files) need credentials (true|false)', 'false'))
    .addOption(flag('authenticate_http_executors', 'executors must present their MESOS_EXECUTOR_AUTHENTICATION_TOKEN (true|false)', 'true'))
    .addOption(flag('acls', 'who may do what here (Mesos --acls, JSON or a file): launch_nested_containers_as_user, launch_nested_containers_under_parent_with_user, kill/wait/remove_nested_containers'))
    .addOption(flag('executor_secret_key', 'file with the key executor tokens are signed with (default: generated once under --work_dir)'))
    .addOption(flag('switch_user', 'run tasks as their user (CommandInfo.user, else FrameworkInfo.user) when running as root (true|false)', 'true'))
    .addHelpText('after', `
Examples:
  $ mesos-ts agent --master=127.0.0.1:5050 --work_dir=/tmp/agent1 --port=5051
  $ mesos-ts agent --master=mdns --resources='cpus:2;mem:2048' --attributes='rack:r1'
  $ mesos-ts agent --master=10.0.0.5:5050 --isolation=cgroups/cpu,cgroups/mem   # as root
  $ mesos-ts agent --master=10.0.0.5:5050 --isolation=cgroups/cpu,cgroups/mem,gpu/nvidia --resources='gpus:2' --nvidia_gpu_devices=0,1`)
    .action(async (o: Record<string, string | undefined>) => {
      const masters = await masterAddresses(o['master'], 5000, 500, parseMdnsName(o['mdns_name']));
      const master = masters.join(',');
      const input: Record<string, string> = {};
      for (const [k, v] of Object.entries(o)) if (v !== undefined && k !== 'mdns_name') input[k] = v;
      input['master'] = master; // several masters: the agent tries them in turn and follows not_leader
      const agent = await startAgent(input).catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'EADDRINUSE') throw new Error(`port ${o['port']} on ${o['ip']} is in use (another agent?); pick another with --port (0: any free port)`);
        throw err;
      });
      say(`agent ${agent.pid} listening; registering with ${masters.length > 1 ? `one of ${masters.join(', ')}` : `master@${master}`}; endpoints at http://${agent.runtime.address}/ (state: /slave(1)/state)`);
      onShutdown(() => agent.stop());
      void agent.terminated.then((why) => {
        say(`agent stopped: ${why}`);
        void agent.stop().then(() => process.exit(0));
      });
    });
}
