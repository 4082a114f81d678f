/**
 * `mesos-ts maintenance schedule|down|up|status`: the maintenance schedule
 * (GET_MAINTENANCE_SCHEDULE, UPDATE_MAINTENANCE_SCHEDULE: a window added,
 * machines removed, all cleared, or a whole schedule from a file), machines
 * down and up (START_MAINTENANCE, STOP_MAINTENANCE), and the status
 * (GET_MAINTENANCE_STATUS: machines draining with the frameworks' answers,
 * machines down). A machine is `hostname`, `ip` or `hostname/ip`.
 */
import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { realClock } from 'libprocess-ts';
import { describeMachine, machineKey, parseMachine, parseSchedule, type MachineID, type MaintenanceWindow } from '../../protocol/maintenance.js';
import { credentialOptions, useCredential } from '../credentials.js';
import { mdnsNameOption } from '../discovery.js';
import { parseDuration } from '../durations.js';
import { leaderOf, operatorCall, type Where } from '../operator-call.js';
import { say } from '../process-util.js';
import { table } from '../table.js';

type Options = Where & { principal?: string; secret?: string; json?: boolean };

const masterOption = (): Option => new Option('--master <host:port,...|mdns>', 'where the masters are (default: found over mDNS)').env('MESOS_MASTER');
const withCommon = (c: Command): Command => c.addOption(masterOption()).addOption(mdnsNameOption()).addOption(credentialOptions()[0]!).addOption(credentialOptions()[1]!);

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/** `host`, `10.0.0.1` or `host/10.0.0.1` as a MachineID; errors name the text. */
export function machineArg(text: string): MachineID {
  const [a, b] = text.split('/');
  const raw = b !== undefined ? { hostname: a, ip: b } : IPV4.test(text) ? { ip: text } : { hostname: text };
  const m = parseMachine(raw, `machine '${text}'`);
  if (typeof m === 'string') throw new Error(m);
  return m;
}

export function machinesArg(list: readonly string[]): MachineID[] {
  const machines = list.flatMap((x) => x.split(',')).map((x) => x.trim()).filter((x) => x !== '').map(machineArg);
  if (machines.length === 0) throw new Error('name at least one machine (hostname, ip or hostname/ip)');
  return machines;
}

/** `now`, `+10mins` (from now) or an ISO-8601 date, in ms since the epoch. */
export function startArg(text: string, nowMs: number): number {
  if (text === 'now') return nowMs;
  if (text.startsWith('+')) return nowMs + parseDuration('start', text.slice(1));
  const t = Date.parse(text);
  if (!Number.isFinite(t)) throw new Error(`--start=${text}: expected now, +<duration> (e.g. +10mins) or an ISO-8601 time (e.g. 2026-12-24T08:00:00Z)`);
  return t;
}

const iso = (ns: number | undefined): string => (ns === undefined ? '' : new Date(ns / 1e6).toISOString());

async function getSchedule(leader: string): Promise<MaintenanceWindow[]> {
  const answer = await operatorCall(leader, { type: 'GET_MAINTENANCE_SCHEDULE' });
  const schedule = (answer?.['get_maintenance_schedule'] as { schedule?: { windows?: MaintenanceWindow[] } } | undefined)?.schedule;
  return schedule?.windows ?? [];
}

function printSchedule(windows: readonly MaintenanceWindow[], json: boolean | undefined): void {
  if (json) return say(JSON.stringify({ windows }, null, 2));
  if (windows.length === 0) return say('no maintenance scheduled');
  say(table(windows.map((w, i) => ({ window: i + 1, machines: w.machine_ids.map(describeMachine).join(', '), start: iso(w.unavailability.start.nanoseconds), duration: w.unavailability.duration === undefined ? '(unknown)' : `${w.unavailability.duration.nanoseconds / 1e9}s` })), ['window', 'machines', 'start', 'duration']));
}

export function maintenanceCommand(): Command {
  const root = new Command('maintenance')
    .description('maintenance schedules and machines: schedule (show or change), down, up, status')
    .addHelpText('after', `
A machine is named by hostname, IP or hostname/IP (as the agents register; mesos-ts local gives agent N
the hostname agentN.local and the address 127.0.0.(N+1)). A machine in the schedule is DRAINING: its
offers carry the unavailability and frameworks running there get inverse offers. down: its agents are
removed and refused until up.

Examples:
  $ mesos-ts maintenance schedule --machines=agent2.local --start=+10mins --duration=1hrs
  $ mesos-ts maintenance schedule --json
  $ mesos-ts maintenance status --json
  $ mesos-ts maintenance down agent2.local
  $ mesos-ts maintenance up agent2.local
  $ mesos-ts maintenance schedule --remove=agent2.local
  $ mesos-ts maintenance schedule --file=schedule.json
  $ mesos-ts maintenance schedule --clear`);

  root.addCommand(
    withCommon(new Command('schedule'))
      .description('show the schedule, add a window (--machines, --start, --duration), remove machines, clear it, or post one from a file')
      .option('--machines <list>', 'machines of a new window, comma-separated (each hostname, ip or hostname/ip); moved out of any other window')
      .option('--start <time>', 'when they may become unavailable: now, +<duration> or an ISO-8601 time', 'now')
      .option('--duration <duration>', 'for how long (e.g. 1hrs); default unknown')
      .option('--remove <list>', 'machines to take out of the schedule (they must not be down)')
      .option('--clear', 'post an empty schedule', false)
      .option('--file <schedule.json>', "post this maintenance.Schedule JSON ({\"windows\": [...]}) as the whole schedule")
      .option('--json', 'print the schedule as JSON')
      .addHelpText('after', `
Examples:
  $ mesos-ts maintenance schedule
  $ mesos-ts maintenance schedule --machines=agent1.local,127.0.0.3 --start=2026-12-24T08:00:00Z --duration=2hrs
  $ mesos-ts maintenance schedule --remove=agent1.local
  $ mesos-ts maintenance schedule --file=schedule.json`)
      .action(async (o: Options & { machines?: string; start: string; duration?: string; remove?: string; clear?: boolean; file?: string }) => {
        const changes = [o.machines, o.remove, o.clear ? true : undefined, o.file].filter((x) => x !== undefined).length;
        if (changes > 1) throw new Error('give one of --machines, --remove, --clear and --file');
        // Arguments checked before any call.
        const machines = o.machines !== undefined ? machinesArg([o.machines]) : undefined;
        const removed = o.remove !== undefined ? machinesArg([o.remove]) : undefined;
        const startMs = startArg(o.start, realClock.now());
        const durationMs = o.duration !== undefined ? parseDuration('duration', o.duration) : undefined;
        let fromFile: MaintenanceWindow[] | undefined;
        if (o.file !== undefined) {
          let json: unknown;
          try {
            json = JSON.parse(readFileSync(o.file, 'utf8'));
          } catch (err) {
            throw new Error(`--file=${o.file}: ${(err as Error).message}`);
          }
          const schedule = parseSchedule(json, o.file);
          if (typeof schedule === 'string') throw new Error(schedule);
          fromFile = schedule.windows;
        }
        useCredential(o);
        const leader = await leaderOf(o);
        if (changes === 0) return printSchedule(await getSchedule(leader), o.json);
        let windows: MaintenanceWindow[];
        if (o.clear) windows = [];
        else if (fromFile !== undefined) windows = fromFile;
        else {
          const drop = new Set((machines ?? removed!).map(machineKey));
          windows = (await getSchedule(leader)).map((w) => ({ ...w, machine_ids: w.machine_ids.filter((m) => !drop.has(machineKey(m))) })).filter((w) => w.machine_ids.length > 0);
          if (machines !== undefined) windows.push({ machine_ids: machines, unavailability: { start: { nanoseconds: startMs * 1e6 }, ...(durationMs !== undefined ? { duration: { nanoseconds: Math.round(durationMs * 1e6) } } : {}) } });
        }
        await operatorCall(leader, { type: 'UPDATE_MAINTENANCE_SCHEDULE', update_maintenance_schedule: { schedule: { windows } } });
        printSchedule(windows, o.json);
      }),
  );

  for (const [verb, type, field, done] of [
    ['down', 'START_MAINTENANCE', 'start_maintenance', 'down: their agents are removed and refused until up'],
    ['up', 'STOP_MAINTENANCE', 'stop_maintenance', 'up: out of the schedule, their agents may register again'],
  ] as const) {
    root.addCommand(
      withCommon(new Command(verb))
        .description(`${type}: ${verb === 'down' ? 'scheduled machines go down (their agents are removed and shut down)' : 'machines that are down come back up'}`)
        .argument('<machines...>', 'hostname, ip or hostname/ip of each machine')
        .addHelpText('after', `\nExample:\n  $ mesos-ts maintenance ${verb} agent2.local`)
        .action(async (list: string[], o: Options) => {
          const machines = machinesArg(list);
          useCredential(o);
          const leader = await leaderOf(o);
          await operatorCall(leader, { type, [field]: { machines } });
          say(`${machines.map(describeMachine).join(', ')} ${done}`);
        }),
    );
  }

  root.addCommand(
    withCommon(new Command('status'))
      .description('GET_MAINTENANCE_STATUS: machines draining (with each framework\'s answer to its inverse offer) and down')
      .option('--json', 'print the status as JSON')
      .addHelpText('after', '\nExample:\n  $ mesos-ts maintenance status --json')
      .action(async (o: Options) => {
        useCredential(o);
        const answer = await operatorCall(await leaderOf(o), { type: 'GET_MAINTENANCE_STATUS' });
        const status = ((answer?.['get_maintenance_status'] as { status?: unknown } | undefined)?.status ?? {}) as {
          draining_machines?: { id: MachineID; statuses?: { status: string; framework_id: { value: string } }[] }[];
          down_machines?: MachineID[];
        };
        if (o.json) return say(JSON.stringify(status, null, 2));
        const rows = [
          ...(status.draining_machines ?? []).map((m) => ({ machine: describeMachine(m.id), mode: 'DRAINING', frameworks: (m.statuses ?? []).map((s) => `${s.framework_id.value}: ${s.status}`).join(', ') })),
          ...(status.down_machines ?? []).map((m) => ({ machine: describeMachine(m), mode: 'DOWN', frameworks: '' })),
        ];
        say(rows.length === 0 ? 'no machine in maintenance' : table(rows, ['machine', 'mode', 'frameworks']));
      }),
  );
  return root;
}
