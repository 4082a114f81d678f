import { Runtime } from '../../src/runtime.js';
import { SimulatedNetwork, type SimulatedNetworkOptions } from '../../src/memory-transport.js';
import { VirtualClock } from '../../src/virtual-clock.js';
import { createLogger } from '../../src/logging.js';

/** A simulated world: a virtual clock, a seeded network, and runtimes on it. */
export async function simulation(options: Partial<SimulatedNetworkOptions> = {}, count = 2) {
  const clock = new VirtualClock();
  const network = new SimulatedNetwork({ clock, ...options });
  const runtimes: Runtime[] = [];
  for (let i = 0; i < count; i++) {
    const runtime = new Runtime({ transport: network.transport(`node${i}`), clock, name: `node${i}`, logger: createLogger(`node${i}`, 'silent') });
    runtimes.push(await runtime.start());
  }
  const stop = async () => {
    for (const r of runtimes) await r.stop();
  };
  return { clock, network, runtimes, stop };
}
