// A framework as its own OS process for the HA failover test: it subscribes
// through the SDK driver to a list of masters, launches `--tasks` tasks (one
// command each, given with --command, `{id}` replaced by the task id) on the
// first offers, declines the rest, and prints one JSON line per event it
// sees, so the test can count status updates by uuid:
//   {"event":"registered","framework_id":...,"master":...}
//   {"event":"update","task":...,"state":...,"uuid":<base64>}
//   node --import ./test/ts-loader.mjs test/integration/helpers/ha-framework.ts --master a,b,c --tasks 2 --command '...' [--credential file]
import { parseArgs } from 'node:util';
import { Runtime, WsTransport, createLogger, realClock } from 'libprocess-ts';
import { SchedulerDriver, commandTask } from '../../../framework/scheduler/index.js';
import type { Offer } from '../../../protocol/types.js';
import { readCredentialFile } from '../../../protocol/credentials.js';

const { values } = parseArgs({ options: { master: { type: 'string' }, tasks: { type: 'string', default: '1' }, command: { type: 'string', default: 'sleep 1000' }, resources: { type: 'string', default: 'cpus:0.1;mem:32' }, credential: { type: 'string' } } });
if (values.master === undefined) {
  process.stderr.write('ha-framework: --master is required (host:port[,host:port...])\n');
  process.exit(2);
}
const total = Number(values.tasks);
const print = (o: Record<string, unknown>): void => void process.stdout.write(`${JSON.stringify(o)}\n`);
let launched = 0;

// With a credential (a cluster that authenticates frameworks) the driver makes its runtime itself, authenticated as it.
const credential = values.credential !== undefined ? readCredentialFile(values.credential) : undefined;
const runtime = credential !== undefined ? undefined : await new Runtime({ transport: new WsTransport({ host: '127.0.0.1', port: 0, clock: realClock }), clock: realClock, name: 'ha-framework', logger: createLogger('ha-framework', 'warn') }).start();
const driver = await SchedulerDriver.start({
  master: values.master,
  ...(runtime !== undefined ? { runtime } : {}),
  ...(credential !== undefined ? { credential } : {}),
  framework: { name: 'ha-failover-test', failover_timeout: 3600, ...(credential !== undefined ? { principal: credential.principal } : {}) },
  scheduler: {
    registered: (d, id) => print({ event: 'registered', framework_id: id.value, master: d.master }),
    reregistered: (d) => print({ event: 'reregistered', framework_id: d.frameworkId, master: d.master }),
    disconnected: () => print({ event: 'disconnected' }),
    resourceOffers: (d, offers: Offer[]) => {
      for (const offer of offers) {
        if (launched < total) {
          const id = `task-${++launched}`;
          d.launchTasks([offer.id], [commandTask(id, offer, values.resources, values.command.replaceAll('{id}', id))]);
          print({ event: 'launched', task: id, agent: offer.agent_id.value });
        } else d.declineOffer(offer.id, { refuse_seconds: 3600 });
      }
    },
    statusUpdate: (_d, s) => print({ event: 'update', task: s.task_id.value, state: s.state, uuid: s.uuid === undefined ? null : Buffer.from(s.uuid).toString('base64'), ...(s.message ? { message: s.message } : {}) }),
    error: (_d, message) => print({ event: 'error', message }),
  },
});
const stop = (): void => void driver.stop(true).then(() => runtime?.stop()).then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
