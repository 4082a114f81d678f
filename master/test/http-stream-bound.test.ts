// A v1 scheduler that subscribes over HTTP and then stops reading its event
// stream, while its calls make the master produce megabytes of events: once
// the unsent bytes pass the bound the master cuts the stream off (counted,
// the framework disconnected as when a client goes away) instead of holding
// them without limit, and keeps serving everyone else.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import * as http from 'node:http';
import { createLogger } from 'libprocess-ts';
import { startMaster } from '../main.js';
import { untilTrue } from '../../test/wait.js';

const MiB = 1024 * 1024;
let master: Awaited<ReturnType<typeof startMaster>>;

beforeAll(async () => {
  master = await startMaster({ ip: '127.0.0.1', port: 0, logger: createLogger('master', 'silent'), maxUnsentBytes: MiB });
});
afterAll(() => master?.stop());

/** SUBSCRIBE, read up to the SUBSCRIBED event, then never read again. */
function subscribeAndStall(): Promise<{ streamId: string; frameworkId: string; res: http.IncomingMessage }> {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify({ type: 'SUBSCRIBE', subscribe: { framework_info: { user: 'u', name: 'stalled' } } });
    const req = http.request(`${master.url}/api/v1/scheduler`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, agent: false }, (res) => {
      let text = '';
      const onData = (chunk: Buffer): void => {
        text += chunk.toString();
        const m = /"framework_id":\{"value":"([^"]+)"\}/.exec(text);
        if (m === null) return;
        res.off('data', onData);
        res.pause(); // from now on the client reads nothing
        resolve({ streamId: String(res.headers['mesos-stream-id']), frameworkId: m[1]!, res });
      };
      res.on('data', onData);
      res.on('error', () => {});
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('an HTTP scheduler that stops reading its events', () => {
  test('is cut off once its unsent events pass the bound; the master keeps serving', async () => {
    const { streamId, frameworkId, res } = await subscribeAndStall();
    const m = master.master!;
    expect(m.state.frameworks.get(frameworkId)?.connected).toBe(true);
    // Each RECONCILE of 20,000 unknown tasks is answered with 20,000 UPDATE events (about 5 MB).
    const tasks = Array.from({ length: 20_000 }, (_, i) => ({ task_id: { value: `task-${i}` }, agent_id: { value: 'no-such-agent' } }));
    const call = JSON.stringify({ framework_id: { value: frameworkId }, type: 'RECONCILE', reconcile: { tasks } });
    for (let i = 0; i < 5 && master.runtime.metrics()['transport/slow_clients_cut'] === 0; i++) {
      const r = await fetch(`${master.url}/api/v1/scheduler`, { method: 'POST', headers: { 'content-type': 'application/json', 'mesos-stream-id': streamId }, body: call });
      if (r.status !== 202) break; // cut off meanwhile: the stream is gone
    }
    await untilTrue('the stream to be cut off', () => master.runtime.metrics()['transport/slow_clients_cut'] === 1);
    // Disconnected as when a client goes away (with failover_timeout 0: removed at once).
    await untilTrue('the framework to be disconnected', () => m.state.frameworks.get(frameworkId)?.connected !== true);
    res.destroy();

    // Everyone else is still served.
    expect((await fetch(`${master.url}/master/health`)).status).toBe(200);
    const other = await subscribeAndStall();
    expect(other.frameworkId).not.toBe(frameworkId);
    other.res.destroy();
  });
});
