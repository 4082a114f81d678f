import { Command, Option } from 'commander';
import { startMaster } from '../../master/main.js';
import { announceMaster } from '../discovery.js';
import { parseBool, parseDuration, parsePort, parsePositiveInt, parseWeights } from '../durations.js';
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
    .addOption(new Option('--allocation_interval <duration>', 'batch allocation period').default('1secs').env('MESOS_ALLOCATION_INTERVAL'))
    .addOption(new Option('--offer_timeout <duration>', 'rescind offers outstanding this long (default: never)').env('MESOS_OFFER_TIMEOUT'))
    .addOption(new Option('--agent_ping_timeout <duration>', 'an unanswered ping counts as missed after this long').default('15secs').env('MESOS_AGENT_PING_TIMEOUT'))
    .addOption(new Option('--max_agent_ping_timeouts <n>', 'missed pings before an agent is unreachable').default('5').env('MESOS_MAX_AGENT_PING_TIMEOUTS'))
    .addOption(new Option('--weights <role=weight,...>', 'role weights, e.g. eng=2,ads=1').env('MESOS_WEIGHTS'))
    .addOption(new Option('--mdns <bool>', 'announce this master over mDNS').default('true').env('MESOS_MDNS'))
    .addHelpText('after', `
Examples:
  $ mesos-ts master --ip=127.0.0.1 --port=5050
  $ MESOS_PORT=5051 mesos-ts master --weights=eng=2,ads=1 --offer_timeout=30secs
  $ mesos-ts master --ip=0.0.0.0 --advertise_ip=10.0.0.5`)
    .action(async (o: Record<string, string | undefined>) => {
      const port = parsePort('port', o['port']!);
      const flags = {
        allocationIntervalMs: parseDuration('allocation_interval', o['allocation_interval']!),
        agentPingTimeoutMs: parseDuration('agent_ping_timeout', o['agent_ping_timeout']!),
        maxAgentPingTimeouts: parsePositiveInt('max_agent_ping_timeouts', o['max_agent_ping_timeouts']!),
        ...(o['offer_timeout'] ? { offerTimeoutMs: parseDuration('offer_timeout', o['offer_timeout']) } : {}),
        ...(o['weights'] ? { weights: parseWeights(o['weights']) } : {}),
        ...(o['hostname'] ? { hostname: o['hostname'] } : {}),
        ...(o['cluster'] ? { cluster: o['cluster'] } : {}),
      };
      const mdns = parseBool('mdns', o['mdns']!);
      const started = await startMaster({ ip: o['ip']!, port, ...(o['advertise_ip'] ? { advertiseIp: o['advertise_ip'] } : {}), flags }).catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'EADDRINUSE') throw new Error(`port ${port} on ${o['ip']} is in use (another master?); pick another with --port`);
        if (err.code === 'EADDRNOTAVAIL') throw new Error(`--ip=${o['ip']} is not an address of this machine`);
        throw err;
      });
      const announcement = mdns ? announceMaster(started.pid.toString(), started.pid.port) : undefined;
      say(`master ${started.pid} listening; web UI and APIs at ${started.url}/ (state: ${started.url}/master/state)`);
      onShutdown(async () => {
        await announcement?.stop();
        await started.stop();
      });
    });
  return cmd;
}
