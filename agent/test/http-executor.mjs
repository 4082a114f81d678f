// A custom executor written with nothing but Node's `http` module, run by the
// agent as the executor's command (agent/test/http-executor-real.test.ts).
// It speaks the Mesos v1 executor HTTP API: SUBSCRIBE, then for each LAUNCH
// a TASK_RUNNING update and, when the task's data is "finish", TASK_FINISHED;
// KILL and SHUTDOWN end tasks with TASK_KILLED. Every ACKNOWLEDGED and every
// MESSAGE is reported back to the scheduler with a MESSAGE call.
import http from 'node:http';
import { randomBytes } from 'node:crypto';

const endpoint = process.env.MESOS_AGENT_ENDPOINT;
const ids = { executor_id: { value: process.env.MESOS_EXECUTOR_ID }, framework_id: { value: process.env.MESOS_FRAMEWORK_ID } };
const [host, port] = [endpoint.slice(0, endpoint.lastIndexOf(':')), Number(endpoint.slice(endpoint.lastIndexOf(':') + 1))];
console.log(`env MESOS_HTTP_COMMAND_EXECUTOR=${process.env.MESOS_HTTP_COMMAND_EXECUTOR} MESOS_CHECKPOINT=${process.env.MESOS_CHECKPOINT} MESOS_DIRECTORY=${process.env.MESOS_DIRECTORY} MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD=${process.env.MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD}`);

// One connection, one call at a time: the agent sees the updates in the order they were sent.
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
let pending = 0;
let shuttingDown = false;

function exitWhenIdle() {
  if (shuttingDown && pending === 0) process.exit(0);
}

function post(body, onResponse) {
  if (!onResponse) pending++;
  const req = http.request({ host, port, path: '/api/v1/executor', method: 'POST', agent: onResponse ? undefined : agent, headers: { 'content-type': 'application/json', accept: 'application/json', ...(process.env.MESOS_EXECUTOR_AUTHENTICATION_TOKEN ? { authorization: `Bearer ${process.env.MESOS_EXECUTOR_AUTHENTICATION_TOKEN}` } : {}) } }, onResponse ?? ((res) => {
    res.resume();
    res.on('end', () => {
      if (res.statusCode !== 202) {
        console.log(`call ${body.type} answered ${res.statusCode}`);
        process.exit(3);
      }
      pending--;
      exitWhenIdle();
    });
  }));
  req.on('error', (e) => {
    console.log(`call ${body.type} failed: ${e.message}`);
    process.exit(4);
  });
  req.end(JSON.stringify(body));
}

const sent = new Map(); // uuid -> "task state"
const running = new Set();

function update(taskId, state, message) {
  const uuid = randomBytes(16).toString('base64');
  sent.set(uuid, `${taskId} ${state}`);
  post({ ...ids, type: 'UPDATE', update: { status: { task_id: { value: taskId }, state, source: 'SOURCE_EXECUTOR', uuid, ...(message ? { message } : {}) } } });
}

const message = (text) => post({ ...ids, type: 'MESSAGE', message: { data: Buffer.from(text).toString('base64') } });

function onEvent(e) {
  console.log(`event ${e.type}`);
  switch (e.type) {
    case 'SUBSCRIBED':
      console.log(`subscribed to agent ${e.subscribed.agent_info.id.value} in container ${e.subscribed.container_id.value}`);
      break;
    case 'LAUNCH': {
      const id = e.launch.task.task_id.value;
      running.add(id);
      update(id, 'TASK_RUNNING');
      if (Buffer.from(e.launch.task.data ?? '', 'base64').toString() === 'finish') {
        running.delete(id);
        update(id, 'TASK_FINISHED', 'done');
      }
      break;
    }
    case 'KILL': {
      const id = e.kill.task_id.value;
      if (running.delete(id)) update(id, 'TASK_KILLED', 'killed on request');
      break;
    }
    case 'ACKNOWLEDGED':
      message(`ack ${sent.get(e.acknowledged.uuid) ?? 'unknown'}`);
      break;
    case 'MESSAGE':
      message(`echo:${Buffer.from(e.message.data, 'base64').toString()}`);
      break;
    case 'SHUTDOWN':
      for (const id of running) update(id, 'TASK_KILLED', 'executor shut down');
      running.clear();
      // Exit once every call is answered.
      shuttingDown = true;
      exitWhenIdle();
      break;
    default:
      break;
  }
}

post({ ...ids, type: 'SUBSCRIBE', subscribe: {} }, (res) => {
  if (res.statusCode !== 200) {
    console.log(`SUBSCRIBE answered ${res.statusCode}`);
    process.exit(2);
  }
  let buffer = Buffer.alloc(0);
  res.on('data', (chunk) => {
    buffer = Buffer.concat([buffer, chunk]);
    for (;;) {
      const nl = buffer.indexOf(10);
      if (nl < 0) return;
      const length = Number(buffer.subarray(0, nl).toString());
      if (buffer.length < nl + 1 + length) return;
      const record = JSON.parse(buffer.subarray(nl + 1, nl + 1 + length).toString());
      buffer = buffer.subarray(nl + 1 + length);
      onEvent(record);
    }
  });
  res.on('end', () => {
    console.log('the agent closed the stream');
    process.exit(0);
  });
});
