// The child process of the actor benchmark: `child.js <role> ...args`.
// It says hello over IPC once ready, runs its part, and exits.
import { rawPonger, rawSender } from './raw.js';
import { runtimePonger, runtimeSender } from './runtime.js';
import { isSecurity } from './security.js';
import { transportPonger, transportSender } from './transport-only.js';

const [role, ...args] = process.argv.slice(2);
const hello = (m: Record<string, unknown>): void => void process.send!(m);

switch (role) {
  case 'raw-sender': {
    hello({ ready: true });
    await rawSender(Number(args[0]), Number(args[1]), args[2] === 'batched');
    process.disconnect();
    break;
  }
  case 'raw-ponger': {
    const { port } = await rawPonger();
    hello({ port });
    process.on('disconnect', () => process.exit(0));
    break;
  }
  case 'transport-sender': {
    hello({ ready: true });
    await transportSender(args[0]!, Number(args[1]));
    process.disconnect();
    break;
  }
  case 'transport-ponger': {
    hello({ address: await transportPonger() });
    break;
  }
  case 'runtime-sender': {
    hello({ ready: true });
    await runtimeSender(args[0]!, Number(args[1]), isSecurity(args[2]) ? args[2] : 'plain');
    process.disconnect();
    break;
  }
  case 'runtime-ponger': {
    hello({ pid: await runtimePonger(isSecurity(args[0]) ? args[0] : 'plain') });
    break;
  }
  default:
    console.error(`child.js: unknown role ${role}`);
    process.exit(2);
}
