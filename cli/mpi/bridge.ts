/**
 * The bridge between Hydra's launcher calls and the job's framework: a Unix
 * socket in the job's private directory (mode 0700: only this user's processes
 * reach it). Hydra runs `launcher.ts` once per proxy; each connects, sends one
 * line `{"host": ..., "command": ...}`, and is answered with lines
 * `{"state": "TASK_RUNNING"}` as its task progresses and a last
 * `{"exit": <status>, "message"?: ...}`. A launcher that goes away (Hydra
 * killed it) closes its connection, and the job kills its task.
 */
import { createServer, type Server, type Socket } from 'node:net';

export interface LaunchRequest {
  readonly host: string;
  readonly command: string;
}

/** One launcher's connection, from the job's side. */
export interface LaunchSession {
  readonly request: LaunchRequest;
  /** Tells the launcher its task's state (it prints nothing; kept for its logs). */
  state(state: string): void;
  /** The last answer: the launcher exits with `code`. */
  exit(code: number, message?: string): void;
  /** Called once if the launcher goes away before `exit`. */
  onClose(listener: () => void): void;
}

/** Longest request line accepted: a proxy's command line is a few hundred bytes. */
const MAX_REQUEST = 64 * 1024;

/** Checks one request line: a JSON object with a non-empty `host` and `command`. */
export function parseLaunchRequest(line: string): LaunchRequest {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (e) {
    throw new Error(`launch request is not JSON (${(e as Error).message})`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error('launch request is not a JSON object');
  const { host, command } = value as Record<string, unknown>;
  if (typeof host !== 'string' || host === '') throw new Error('launch request: host must be a non-empty string');
  if (typeof command !== 'string' || command === '') throw new Error('launch request: command must be a non-empty string');
  return { host, command };
}

export class LaunchBridge {
  private constructor(private readonly server: Server, private readonly sockets: Set<Socket>) {}

  /** Listens on `path` (a Unix socket); `onLaunch` gets each well-formed request. */
  static listen(path: string, onLaunch: (session: LaunchSession) => void, onBad: (message: string) => void): Promise<LaunchBridge> {
    const sockets = new Set<Socket>();
    const server = createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => socket.destroy());
      let buffered = '';
      let session: LaunchSession | undefined;
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => {
        if (session !== undefined) return; // one request per connection
        buffered += chunk;
        const nl = buffered.indexOf('\n');
        if (nl < 0) {
          if (buffered.length > MAX_REQUEST) {
            onBad(`a launch request longer than ${MAX_REQUEST} bytes`);
            socket.end(`${JSON.stringify({ exit: 255, message: 'launch request too long' })}\n`);
          }
          return;
        }
        let request: LaunchRequest;
        try {
          request = parseLaunchRequest(buffered.slice(0, nl));
        } catch (e) {
          onBad((e as Error).message);
          socket.end(`${JSON.stringify({ exit: 255, message: (e as Error).message })}\n`);
          return;
        }
        session = openSession(socket, request);
        onLaunch(session);
      });
    });
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => {
        server.off('error', reject);
        resolve(new LaunchBridge(server, sockets));
      });
    });
  }

  /** Stops listening and drops every connection still open. */
  close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

function openSession(socket: Socket, request: LaunchRequest): LaunchSession {
  let ended = false;
  const closeListeners: (() => void)[] = [];
  socket.on('close', () => {
    if (ended) return;
    ended = true;
    for (const l of closeListeners) l();
  });
  return {
    request,
    state: (state) => {
      if (!ended) socket.write(`${JSON.stringify({ state })}\n`);
    },
    exit: (code, message) => {
      if (ended) return;
      ended = true;
      socket.end(`${JSON.stringify({ exit: code, ...(message !== undefined ? { message } : {}) })}\n`);
    },
    onClose: (l) => closeListeners.push(l),
  };
}
