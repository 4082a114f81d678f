import { Command, Option } from 'commander';
import { Random, Runtime, WsTransport, createLogger, osSeed, realClock, tlsFromEnv } from 'libprocess-ts';
import { agentAuth } from '../../agent/main.js';
import { SimulatedAgentProcess } from '../../agent/simulated.js';
import { Resources } from '../../protocol/resources.js';
import { masterAddresses, mdnsNameOption, parseMdnsName } from '../discovery.js';
import { parsePort, parsePositiveInt } from '../durations.js';
import { onShutdown, say } from '../process-util.js';

/** `mesos-ts simulated-agents`: N agents in this one OS process whose tasks only pretend to run (for experiments at scale). */
export function simulatedAgentsCommand(): Command {
  return new Command('simulated-agents')
    .description('run N simulated agents in one process: the real agent protocol, tasks that only pretend to run for their `sleep N`')
    .addOption(new Option('--master <host:port,...|mdns>', 'the master').default('mdns').env('MESOS_MASTER'))
    .addOption(mdnsNameOption())
    .option('--count <n>', 'number of agents', '100')
    .option('--resources <text>', "each agent's resources", 'cpus:2;mem:2048;disk:4096;ports:[31000-32000]')
    .option('--ip <ip>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'port (0: any free port)', '0')
    .addOption(new Option('--credential <file>', 'the agents\' {"principal": ..., "secret": ...} (or the cluster\'s credentials list: its first entry): their connections authenticate as it').env('MESOS_CREDENTIAL'))
    .addHelpText('after', `
Examples:
  $ mesos-ts simulated-agents --master=127.0.0.1:5050 --count=10000
  $ mesos-ts local --agents=1 --simulated-agents=5000`)
    .action(async (o: { master: string; mdns_name?: string; count: string; resources: string; ip: string; port: string; credential?: string }) => {
      const count = parsePositiveInt('count', o.count);
      const resources = Resources.parse(o.resources);
      const masters = await masterAddresses(o.master, 5000, 500, parseMdnsName(o.mdns_name));
      const master = masters.join(',');
      const pids = masters.map((m) => `master@${m}`).join(','); // several: tried in turn, not_leader followed
      const tls = tlsFromEnv();
      const auth = agentAuth(o.credential, (m) => say(`WARNING: ${m}`), tls?.requireCert === true);
      const transport = new WsTransport({ host: o.ip, port: parsePort('port', o.port), clock: realClock, maxQueuedMessages: 10_000_000, ...(auth !== undefined ? { auth } : {}), ...(tls !== undefined ? { tls } : {}) });
      const runtime = await new Runtime({ transport, clock: realClock, name: 'simulated', logger: createLogger('simulated', 'warn') }).start();
      const seed = osSeed();
      for (let i = 0; i < count; i++) {
        runtime.spawn(new SimulatedAgentProcess({ master: pids, resources, hostname: `sim-${i + 1}`, random: new Random(seed + i), backoffMs: Math.max(1000, count / 10) }), `slave(${i + 1})`);
      }
      say(`${count} simulated agents listening; registering with ${masters.length > 1 ? `one of ${master}` : `master@${master}`}; at http://${runtime.address}/`);
      onShutdown(() => runtime.stop());
    });
}
