import { Command, Option } from 'commander';
import { masterAddress, startMaster, type MasterServerOptions } from '../../master/main.js';
import type { MasterFlags } from '../../master/flags.js';
import { parseAcls } from '../../protocol/auth/acls.js';
import { credentialsMap, readCredentialFile, readCredentialsFile } from '../../protocol/credentials.js';
import { announceMaster, mdnsNameOption, parseMdnsName } from '../discovery.js';
import { parseBool, parseDuration, parsePort, parsePositiveInt, parseResourceNames, parseWeights } from '../durations.js';
import { onShutdown, say } from '../process-util.js';

/** Options of `mesos-ts master`; each also from the environment as MESOS_<FLAG>. */
export function masterCommand(): Command {
  const cmd = new Command('master')
    .description('run a master (HTTP APIs and the libprocess port are the same)')
    .addOption(new Option('--ip <ip>', 'address to listen on').default('127.0.0.1').env('MESOS_IP'))
    .addOption(new Option('--port <port>', 'port to listen on (0: any free port)').default('5050').env('MESOS_PORT'))
    .addOption(new Option('--advertise_ip <ip>', 'address agents and frameworks should use, when --ip is 0.0.0.0').env('MESOS_ADVERTISE_IP'))
    .addOption(new Option('--hostname <name>', 'hostname shown to frameworks').env('MESOS_HOSTNAME'))
    .addOption(new Option('--work_dir <dir>', 'where the master keeps its state').env('MESOS_WORK_DIR'))
    .addOption(new Option('--cluster <name>', 'a name for the cluster, shown in the web UI').env('MESOS_CLUSTER'))
    .addOption(new Option('--log_dir <dir>', 'also write the log to <dir>/mesos-master.INFO (served by the operator API as /master/log)').env('MESOS_LOG_DIR'))
    .addOption(new Option('--allocation_interval <duration>', 'batch allocation period').default('1secs').env('MESOS_ALLOCATION_INTERVAL'))
    .addOption(new Option('--offer_timeout <duration>', 'rescind offers outstanding this long (default: never)').env('MESOS_OFFER_TIMEOUT'))
    .addOption(new Option('--agent_ping_timeout <duration>', 'an unanswered ping counts as missed after this long').default('15secs').env('MESOS_AGENT_PING_TIMEOUT'))
    .addOption(new Option('--max_agent_ping_timeouts <n>', 'missed pings before an agent is unreachable').default('5').env('MESOS_MAX_AGENT_PING_TIMEOUTS'))
    .addOption(new Option('--filter_gpu_resources <bool>', 'offer agents with GPUs only to frameworks with the GPU_RESOURCES capability').default('true').env('MESOS_FILTER_GPU_RESOURCES'))
    .addOption(new Option('--fair_sharing_excluded_resource_names <names>', 'resource names left out of the DRF shares, comma-separated (e.g. disk,gpus)').env('MESOS_FAIR_SHARING_EXCLUDED_RESOURCE_NAMES'))
    .addOption(new Option('--weights <role=weight,...>', 'role weights, e.g. eng=2,ads=1').env('MESOS_WEIGHTS'))
    .addOption(new Option('--masters <host:port,...>', 'high availability: every master of the replica set, this one included (more than one: a replicated log under --work_dir)').env('MESOS_MASTERS'))
    .addOption(new Option('--quorum <n>', 'masters that make a quorum of the replicated log (default: a majority of --masters)').env('MESOS_QUORUM'))
    .addOption(new Option('--registry <kind>', 'in_memory | replicated_log (default: replicated_log with several --masters, else in_memory)').env('MESOS_REGISTRY'))
    .addOption(new Option('--agent_reregister_timeout <duration>', 'after a failover, agents that have not re-registered within this are unreachable').default('10mins').env('MESOS_AGENT_REREGISTER_TIMEOUT'))
    .addOption(new Option('--mdns <bool>', 'announce this master over mDNS').default('true').env('MESOS_MDNS'))
    .addOption(mdnsNameOption())
    .addOption(new Option('--credentials <file>', 'principals and secrets: {"credentials":[{"principal":...,"secret":...}]} (or "p s" lines); frameworks, agents, the other masters and HTTP clients authenticate against them; the first is this master\'s own').env('MESOS_CREDENTIALS'))
    .addOption(new Option('--credential <file>', 'this master\'s own {"principal":...,"secret":...} (default: the first of --credentials)').env('MESOS_CREDENTIAL'))
    .addOption(new Option('--authenticate_frameworks <bool>', 'only authenticated frameworks may subscribe (over HTTP: the scheduler API needs credentials)').default('false').env('MESOS_AUTHENTICATE_FRAMEWORKS'))
    .addOption(new Option('--authenticate_agents <bool>', 'only agents whose connection authenticated may register').default('false').env('MESOS_AUTHENTICATE_AGENTS'))
    .addOption(new Option('--authenticate_http_readwrite <bool>', 'HTTP calls that change something (operator UPDATE_*, TEARDOWN, MARK_AGENT_GONE) need HTTP Basic credentials').default('false').env('MESOS_AUTHENTICATE_HTTP_READWRITE'))
    .addOption(new Option('--authenticate_http_readonly <bool>', 'HTTP endpoints that only read (state, metrics, GET_* calls) need credentials').default('false').env('MESOS_AUTHENTICATE_HTTP_READONLY'))
    .addOption(new Option('--acls <json|file>', "who may do what, in Mesos's ACL JSON (register_frameworks, run_tasks, teardown_frameworks, update_quotas, update_weights, mark_agents_gone, view_*, get_endpoints)").env('MESOS_ACLS'))
    .addHelpText('after', `
Examples:
  $ mesos-ts master --ip=127.0.0.1 --port=5050
  $ MESOS_PORT=5051 mesos-ts master --weights=eng=2,ads=1 --offer_timeout=30secs
  $ mesos-ts master --ip=0.0.0.0 --advertise_ip=10.0.0.5
  $ mesos-ts master --port=5050 --work_dir=/var/lib/m1 --masters=127.0.0.1:5050,127.0.0.1:5051,127.0.0.1:5052
  $ mesos-ts master --credentials=/etc/mesos/credentials.json --authenticate_http_readwrite=true \\
      --acls='{"permissive":false,"teardown_frameworks":[{"principals":{"values":["ops"]},"framework_principals":{"type":"ANY"}}]}'`)
    .action(async (o: Record<string, string | undefined>) => {
      const port = parsePort('port', o['port']!);
      const flags = {
        allocationIntervalMs: parseDuration('allocation_interval', o['allocation_interval']!),
        agentPingTimeoutMs: parseDuration('agent_ping_timeout', o['agent_ping_timeout']!),
        maxAgentPingTimeouts: parsePositiveInt('max_agent_ping_timeouts', o['max_agent_ping_timeouts']!),
        filterGpuResources: parseBool('filter_gpu_resources', o['filter_gpu_resources']!),
        ...(o['offer_timeout'] ? { offerTimeoutMs: parseDuration('offer_timeout', o['offer_timeout']) } : {}),
        ...(o['weights'] ? { weights: parseWeights(o['weights']) } : {}),
        ...(o['fair_sharing_excluded_resource_names'] !== undefined ? { fairSharingExcludedResourceNames: parseResourceNames('fair_sharing_excluded_resource_names', o['fair_sharing_excluded_resource_names']) } : {}),
        ...(o['hostname'] ? { hostname: o['hostname'] } : {}),
        ...(o['cluster'] ? { cluster: o['cluster'] } : {}),
        ...(o['log_dir'] ? { logDir: o['log_dir'] } : {}),
        ...securityFlags(o),
      };
      const credentials = o['credentials'] ? readCredentialsFile(o['credentials']) : undefined;
      const credential = o['credential'] ? readCredentialFile(o['credential']) : undefined;
      if ((flags.authenticateFrameworks || flags.authenticateAgents) && credentials === undefined) throw new Error('--authenticate_frameworks and --authenticate_agents need --credentials (the secrets to check)');
      const mdns = parseBool('mdns', o['mdns']!);
      const mdnsName = parseMdnsName(o['mdns_name']);
      const ha = haOptions(o);
      const started = await startMaster({ ip: o['ip']!, port, ...(o['advertise_ip'] ? { advertiseIp: o['advertise_ip'] } : {}), flags, ...ha, ...(credentials ? { credentials } : {}), ...(credential ? { credential } : {}) }).catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'EADDRINUSE') throw new Error(`port ${port} on ${o['ip']} is in use (another master?); pick another with --port`);
        if (err.code === 'EADDRNOTAVAIL') throw new Error(`--ip=${o['ip']} is not an address of this machine`);
        throw err;
      });
      const announcement = mdns ? announceMaster(started.pid.toString(), started.pid.port, mdnsName) : undefined;
      const n = ha.masters?.length ?? 1;
      if (started.ha !== undefined) say(`master ${started.pid}: ${n > 1 ? `one of ${n} masters` : 'a single master'} with its registry in a replicated log under ${ha.workDir}/replicated_log${n > 1 ? '; it serves while it leads, the others answer 307' : ''}`);
      say(`master ${started.pid} listening; web UI and APIs at ${started.url}/ (state: ${started.url}/master/state)`);
      onShutdown(async () => {
        await announcement?.stop();
        await started.stop();
      });
    });
  return cmd;
}

/** --credentials, --authenticate_*, --acls → the master's flags; a bad file or value throws naming its flag. */
export function securityFlags(o: Record<string, string | undefined>): Partial<MasterFlags> {
  return {
    ...(o['credentials'] ? { credentials: credentialsMap(readCredentialsFile(o['credentials'])) } : {}),
    authenticateFrameworks: parseBool('authenticate_frameworks', o['authenticate_frameworks'] ?? 'false'),
    authenticateAgents: parseBool('authenticate_agents', o['authenticate_agents'] ?? 'false'),
    authenticateHttpReadwrite: parseBool('authenticate_http_readwrite', o['authenticate_http_readwrite'] ?? 'false'),
    authenticateHttpReadonly: parseBool('authenticate_http_readonly', o['authenticate_http_readonly'] ?? 'false'),
    ...(o['acls'] ? { acls: parseAcls(o['acls'], '--acls') } : {}),
  };
}

/** --masters, --quorum, --registry, --work_dir, --agent_reregister_timeout → the HA part of startMaster's options; a bad value throws naming its flag. */
export function haOptions(o: Record<string, string | undefined>): Pick<MasterServerOptions, 'masters' | 'quorum' | 'workDir' | 'replicatedLog' | 'reregisterTimeoutMs'> {
  const masters = o['masters'] !== undefined && o['masters'].trim() !== '' ? o['masters'].split(',').map((m) => m.trim()).filter((m) => m !== '') : undefined;
  if (masters !== undefined) {
    for (const m of masters) masterAddress(m); // throws naming the entry
  }
  const registry = o['registry'] ?? (masters !== undefined && masters.length > 1 ? 'replicated_log' : 'in_memory');
  if (registry !== 'in_memory' && registry !== 'replicated_log') throw new Error(`--registry=${registry}: expected in_memory or replicated_log`);
  if (registry === 'in_memory' && masters !== undefined && masters.length > 1) throw new Error(`--registry=in_memory cannot work with ${masters.length} --masters: they share the registry through the replicated log`);
  const replicated = registry === 'replicated_log';
  if (replicated && (o['work_dir'] === undefined || o['work_dir'] === '')) throw new Error('--work_dir is required with the replicated log (--masters with more than one master, or --registry=replicated_log)');
  return {
    ...(masters !== undefined ? { masters } : {}),
    ...(o['quorum'] !== undefined ? { quorum: parsePositiveInt('quorum', o['quorum']) } : {}),
    ...(o['work_dir'] !== undefined ? { workDir: o['work_dir'] } : {}),
    ...(replicated ? { replicatedLog: true } : {}),
    ...(o['agent_reregister_timeout'] !== undefined ? { reregisterTimeoutMs: parseDuration('agent_reregister_timeout', o['agent_reregister_timeout']) } : {}),
  };
}
