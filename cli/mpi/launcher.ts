/**
 * The program Hydra runs in place of ssh (`-launcher ssh -launcher-exec`):
 * `launcher.js [-x ...] <host> <proxy command...>`. It hands the proxy's
 * command line to the mesos-ts mpiexec that started Hydra (over the Unix socket
 * named by $MESOS_TS_MPI_BRIDGE), which runs it as a task on the agent behind
 * `<host>`, and exits with the task's exit status, as ssh exits with the
 * remote command's. Hydra killing it closes the connection: the task is killed.
 * Kept to node:net alone, so that it starts fast (Hydra starts one per node).
 */
import { connect } from 'node:net';

const argv = process.argv.slice(2);
let i = 0;
while (i < argv.length && argv[i]!.startsWith('-')) i++; // ssh's options (Hydra passes -x)
const host = argv[i];
const command = argv.slice(i + 1).join(' '); // as ssh does: the words, joined, for the remote shell
const path = process.env['MESOS_TS_MPI_BRIDGE'];
const die = (message: string): never => {
  process.stderr.write(`mesos-ts mpi launcher: ${message}\n`);
  process.exit(255);
};
if (host === undefined || command === '') die('usage: launcher.js [-x] <host> <command...> (Hydra runs it as its ssh)');
if (path === undefined || path === '') die('MESOS_TS_MPI_BRIDGE is not set: this program is run by mesos-ts mpiexec through Hydra');

const socket = connect(path!);
socket.setEncoding('utf8');
let buffered = '';
let exitCode = 255;
socket.on('connect', () => socket.write(`${JSON.stringify({ host, command })}\n`));
socket.on('data', (chunk: string) => {
  buffered += chunk;
  for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
    const line = buffered.slice(0, nl);
    buffered = buffered.slice(nl + 1);
    const reply = JSON.parse(line) as { exit?: number; message?: string };
    if (typeof reply.exit === 'number') {
      exitCode = reply.exit;
      if (reply.message !== undefined && reply.exit !== 0) process.stderr.write(`mesos-ts mpi launcher (${host}): ${reply.message}\n`);
    }
  }
});
socket.on('error', (e) => die(`cannot reach mesos-ts mpiexec at ${path}: ${e.message}`));
socket.on('close', () => process.exit(exitCode));
