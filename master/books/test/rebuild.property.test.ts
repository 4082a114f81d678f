/**
 * The property the registry is for: for any sequence of events, a fresh
 * master rebuilt from what the transitions wrote to the registry (through
 * its encoding, a snapshot round-trip included), plus the re-registration of
 * the agents (each reporting the tasks it runs) and the resubscription of the
 * frameworks, holds the same books as the live one: the same agents (ids,
 * PIDs), unreachable and gone agents, frameworks (and their info), removed
 * framework ids, tasks not terminal with their states, and what each agent
 * and framework uses.
 *
 * What a rebuilt master does not have, by design (as Mesos): completed tasks
 * and frameworks (history), and the tasks of agents that are unreachable
 * (they come back with their agent; reconciliation answers for them).
 */
import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { Resources } from '../../../protocol/resources.js';
import { isTerminal } from '../../../protocol/task-states.js';
import type { Task } from '../../../protocol/types.js';
import type { MasterState } from '../../context.js';
import { Framework } from '../../framework.js';
import { apply, decodeEntry, decodeSnapshot, emptyRegistry, encodeEntry, encodeSnapshot, type Operation } from '../../registrar/registry.js';
import { admit, forgetUnreachable, lose, moved } from '../agents.js';
import type { Effect } from '../effects.js';
import { add, changed, connection, remove } from '../frameworks.js';
import * as recovery from '../recovery.js';
import { end, launch, reported, retire, update } from '../tasks.js';
import * as maintenance from '../maintenance.js';
import { agent, books, framework, status, task } from './fixtures.js';
import { METRIC_SCALARS } from '../usage.js';

type Event =
  | { e: 'agent'; a: number }
  | { e: 'restart'; a: number }
  | { e: 'framework'; f: number }
  | { e: 'launch'; f: number; a: number }
  | { e: 'update'; t: number; state: 'TASK_STARTING' | 'TASK_RUNNING' | 'TASK_FINISHED' | 'TASK_FAILED' }
  | { e: 'ack'; t: number }
  | { e: 'unknown'; t: number }
  | { e: 'unreachable'; a: number }
  | { e: 'back'; a: number }
  | { e: 'gone'; a: number }
  | { e: 'forget'; a: number }
  | { e: 'rename'; f: number }
  | { e: 'rerole'; f: number; role: string }
  | { e: 'disconnect'; f: number }
  | { e: 'teardown'; f: number }
  | { e: 'deactivate' | 'reactivate' | 'drain'; a: number }
  | { e: 'schedule'; hosts: number[] }
  | { e: 'down' | 'up'; a: number };

const AGENTS = 6;
const FRAMEWORKS = 4;
const event: fc.Arbitrary<Event> = fc.oneof(
  fc.record({ e: fc.constant('agent' as const), a: fc.nat(AGENTS - 1) }),
  fc.record({ e: fc.constant('restart' as const), a: fc.nat(AGENTS - 1) }),
  fc.record({ e: fc.constant('framework' as const), f: fc.nat(FRAMEWORKS - 1) }),
  fc.record({ e: fc.constant('launch' as const), f: fc.nat(FRAMEWORKS - 1), a: fc.nat(AGENTS - 1) }),
  fc.record({ e: fc.constant('launch' as const), f: fc.nat(FRAMEWORKS - 1), a: fc.nat(AGENTS - 1) }),
  fc.record({ e: fc.constant('update' as const), t: fc.nat(40), state: fc.constantFrom('TASK_STARTING' as const, 'TASK_RUNNING' as const, 'TASK_FINISHED' as const, 'TASK_FAILED' as const) }),
  fc.record({ e: fc.constant('ack' as const), t: fc.nat(40) }),
  fc.record({ e: fc.constant('unknown' as const), t: fc.nat(40) }),
  fc.record({ e: fc.constant('unreachable' as const), a: fc.nat(AGENTS - 1) }),
  fc.record({ e: fc.constant('back' as const), a: fc.nat(AGENTS - 1) }),
  fc.record({ e: fc.constant('gone' as const), a: fc.nat(AGENTS - 1) }),
  fc.record({ e: fc.constant('forget' as const), a: fc.nat(AGENTS - 1) }),
  fc.record({ e: fc.constant('rename' as const), f: fc.nat(FRAMEWORKS - 1) }),
  fc.record({ e: fc.constant('rerole' as const), f: fc.nat(FRAMEWORKS - 1), role: fc.constantFrom('*', 'eng', 'ops') }),
  fc.record({ e: fc.constant('disconnect' as const), f: fc.nat(FRAMEWORKS - 1) }),
  fc.record({ e: fc.constant('teardown' as const), f: fc.nat(FRAMEWORKS - 1) }),
  fc.record({ e: fc.constantFrom('deactivate' as const, 'reactivate' as const, 'drain' as const), a: fc.nat(AGENTS - 1) }),
  fc.record({ e: fc.constant('schedule' as const), hosts: fc.uniqueArray(fc.nat(AGENTS - 1), { maxLength: 3 }) }),
  fc.record({ e: fc.constantFrom('down' as const, 'up' as const), a: fc.nat(AGENTS - 1) }),
);

/** The live master: its books, and every registry operation its transitions produced, in order. */
class Live {
  readonly books = books(3);
  readonly written: Operation[] = [];
  /** Tasks launched, in order (events name them by index). */
  readonly tasks: Task[] = [];
  /** What each agent process runs (it survives the agent becoming unreachable): id -> tasks. */
  readonly running = new Map<string, Task[]>();
  now = 10_000;

  take(effects: readonly Effect[]): void {
    for (const e of effects) if (e.kind === 'registry') this.written.push(e.op);
  }

  step(ev: Event): void {
    const b = this.books;
    this.now += 1_000;
    const agentId = (i: number): string => `a${i}`;
    const frameworkId = (i: number): string => `f${i}`;
    const loss = (as: 'unreachable' | 'gone') => ({ as, taskState: as === 'gone' ? ('TASK_GONE' as const) : ('TASK_UNREACHABLE' as const), reason: 'REASON_AGENT_REMOVED' as const, message: as, nowMs: this.now, maxUnreachable: 3, uuid: () => new Uint8Array(16) });
    switch (ev.e) {
      case 'agent': {
        const id = agentId(ev.a);
        if (b.agents.has(id) || b.unreachableAgents.has(id) || b.goneAgents.has(id)) return;
        this.take(admit(b, agent(id)));
        this.running.set(id, []);
        return;
      }
      case 'restart': {
        const a = b.agents.get(agentId(ev.a));
        if (a !== undefined) this.take(moved(b, a, `slave(1)@10.0.1.${ev.a}:${5051 + (this.now % 997)}`));
        return;
      }
      case 'framework': {
        const id = frameworkId(ev.f);
        if (b.frameworks.has(id) || b.removedFrameworkIds.has(id)) return;
        this.take(add(b, framework(id, ev.f % 2 === 0), true));
        return;
      }
      case 'launch': {
        const f = b.frameworks.get(frameworkId(ev.f));
        const a = b.agents.get(agentId(ev.a));
        if (f === undefined || a === undefined) return;
        const t = task(f.id, a.id, `t${this.tasks.length}`, 'cpus:0.5;mem:64');
        this.tasks.push(t);
        this.running.get(a.id)!.push(t);
        this.take(launch(f, a, t));
        return;
      }
      case 'update': {
        const t = this.tasks[ev.t];
        const a = t && b.agents.get(t.agent_id.value);
        if (t === undefined || a === undefined || a.tasks.get(t.framework_id.value)?.get(t.task_id.value) !== t || isTerminal(t.state)) return;
        this.take(update(b, b.frameworks.get(t.framework_id.value), a, t, status(t, ev.state), ev.state));
        // As the master does after every status update of a draining agent.
        this.take(maintenance.drained(b, a).effects);
        return;
      }
      case 'ack': {
        const t = this.tasks[ev.t];
        const a = t && b.agents.get(t.agent_id.value);
        if (t === undefined || a === undefined || !isTerminal(t.state) || a.tasks.get(t.framework_id.value)?.get(t.task_id.value) !== t) return;
        this.take(retire(b, b.frameworks.get(t.framework_id.value), a, t));
        this.#stopped(a.id, t);
        return;
      }
      case 'unknown': {
        // The agent re-registered without it: the master ends it.
        const t = this.tasks[ev.t];
        const a = t && b.agents.get(t.agent_id.value);
        if (t === undefined || a === undefined || isTerminal(t.state) || a.tasks.get(t.framework_id.value)?.get(t.task_id.value) !== t) return;
        this.take(end(b, b.frameworks.get(t.framework_id.value), a, t, { state: 'TASK_GONE', reason: 'REASON_AGENT_REREGISTERED', message: 'unknown', nowMs: this.now }));
        this.#stopped(a.id, t);
        return;
      }
      case 'unreachable': {
        const a = b.agents.get(agentId(ev.a));
        if (a === undefined) return;
        // The agent process goes on running its tasks that were not terminal.
        const still = [...a.tasks.values()].flatMap((m) => [...m.values()]).filter((t) => !isTerminal(t.state)).map((t) => ({ ...t, statuses: [...t.statuses] }));
        this.take(lose(b, a, loss('unreachable')));
        this.running.set(a.id, still);
        return;
      }
      case 'back': {
        const id = agentId(ev.a);
        const was = b.unreachableAgents.get(id);
        if (was === undefined) return;
        const a = agent(id);
        this.#report(b, a, this.running.get(id) ?? []);
        this.take(admit(b, a));
        return;
      }
      case 'gone': {
        const a = b.agents.get(agentId(ev.a));
        if (a === undefined) return;
        this.take(lose(b, a, loss('gone')));
        this.running.delete(a.id);
        return;
      }
      case 'forget':
        this.take(forgetUnreachable(b, agentId(ev.a), this.now));
        return;
      case 'rename': {
        const f = b.frameworks.get(frameworkId(ev.f));
        if (f === undefined) return;
        f.info = { ...f.info, name: `${f.info.name}'` };
        this.take(changed(f));
        return;
      }
      case 'rerole': {
        // New info with another role (what its tasks use moves with it in the usage index).
        const f = b.frameworks.get(frameworkId(ev.f));
        if (f === undefined) return;
        f.info = { ...f.info, role: ev.role };
        this.take(changed(f, true));
        return;
      }
      case 'disconnect': {
        const f = b.frameworks.get(frameworkId(ev.f));
        if (f === undefined) return;
        this.take(connection(f, false));
        return;
      }
      case 'teardown': {
        const f = b.frameworks.get(frameworkId(ev.f));
        if (f === undefined) return;
        this.take(remove(b, f, this.now));
        for (const [id, list] of this.running) this.running.set(id, list.filter((t) => t.framework_id.value !== f.id));
        return;
      }
      case 'deactivate':
      case 'reactivate': {
        const id = agentId(ev.a);
        // The operator names an agent the master knows (registered or unreachable).
        if (!b.agents.has(id) && !b.unreachableAgents.has(id)) return;
        this.take(ev.e === 'deactivate' ? maintenance.deactivate(b, id) : maintenance.reactivate(b, id));
        return;
      }
      case 'drain': {
        const a = b.agents.get(agentId(ev.a));
        if (a === undefined) return;
        this.take(maintenance.drain(b, a, { mark_gone: false, max_grace_period: { nanoseconds: 1e9 } }).effects);
        return;
      }
      case 'schedule': {
        const windows = ev.hosts.map((h) => ({ machine_ids: [{ hostname: `host-a${h}` }], unavailability: { start: { nanoseconds: this.now * 1e6 } } }));
        const r = maintenance.schedule(b, windows);
        if ('effects' in r) this.take(r.effects);
        return;
      }
      case 'down':
      case 'up': {
        const machines = [{ hostname: `host-a${ev.a}` }];
        const r = ev.e === 'down' ? maintenance.down(b, machines) : maintenance.up(b, machines);
        if ('effects' in r) this.take(r.effects);
        return;
      }
    }
  }

  #stopped(agentId: string, t: Task): void {
    this.running.set(agentId, (this.running.get(agentId) ?? []).filter((x) => x !== t && x.task_id.value !== t.task_id.value));
  }

  /** What a re-registering agent reports (Agents.reregister): its tasks not terminal, under their frameworks (taken back when unknown). */
  #report(b: MasterState, a: ReturnType<typeof agent>, tasks: readonly Task[]): void {
    for (const t of tasks) {
      if (isTerminal(t.state)) continue;
      let f = b.frameworks.get(t.framework_id.value);
      if (f === undefined) {
        if (b.removedFrameworkIds.has(t.framework_id.value)) continue;
        f = new Framework(t.framework_id.value, { user: 'u', name: '', id: { value: t.framework_id.value } }, this.now, 100);
        this.take(add(b, f, false));
      }
      reported(f, a, { ...t, statuses: [...t.statuses] });
    }
  }

  /** A fresh master: the registry from the written entries (one entry per 5 operations, a snapshot half way), then every agent re-registers and every framework resubscribes. */
  rebuild(): MasterState {
    const r = emptyRegistry();
    const entries: Operation[][] = [];
    for (let i = 0; i < this.written.length; i += 5) entries.push(this.written.slice(i, i + 5));
    let registry = r;
    entries.forEach((ops, i) => {
      for (const o of decodeEntry(encodeEntry(ops))) apply(registry, o);
      if (i === Math.floor(entries.length / 2)) registry = decodeSnapshot(encodeSnapshot(registry));
    });
    const fresh = books(3);
    recovery.tombstones(fresh, registry);
    recovery.maintenance(fresh, registry);
    for (const f of registry.frameworks.values()) {
      const record = new Framework(f.id, f.info, f.registeredAt, 100);
      recovery.framework(fresh, record, this.now);
    }
    for (const [id, u] of registry.unreachable) recovery.unreachableAgent(fresh, agent(id, undefined, u.agent.pid), u.at);
    // The agents re-register (from where they are now), reporting what they run.
    for (const [id, registered] of registry.agents) {
      const live = this.books.agents.get(id);
      expect(live).toBeDefined();
      const a = agent(id, undefined, registered.pid);
      this.#report(fresh, a, [...(live?.tasks.values() ?? [])].flatMap((m) => [...m.values()]));
      admit(fresh, a, { persisted: true });
    }
    // The frameworks resubscribe with their info.
    for (const f of this.books.frameworks.values()) {
      const back = fresh.frameworks.get(f.id);
      if (back === undefined) continue;
      back.info = { ...f.info };
      changed(back);
    }
    return fresh;
  }
}

/** What the two masters must agree on. */
function view(b: MasterState): unknown {
  const sorted = <T>(xs: Iterable<T>): T[] => [...xs].sort();
  const usedOf = (m: Map<string, { toString(): string; isEmpty(): boolean }>): string[] => sorted([...m].filter(([, r]) => !r.isEmpty()).map(([k, r]) => `${k}=${r.toString()}`));
  return {
    agents: sorted([...b.agents.values()].map((a) => `${a.id}@${a.pid}`)),
    byPid: sorted(b.agentsByPid.keys()),
    unreachable: sorted(b.unreachableAgents.keys()),
    gone: sorted(b.goneAgents),
    removed: sorted(b.removedFrameworkIds),
    frameworks: sorted([...b.frameworks.values()].map((f) => `${f.id}:${f.info.name}`)),
    tasks: sorted([...b.frameworks.values()].flatMap((f) => [...f.tasks.values()].filter((t) => !isTerminal(t.state)).map((t) => `${f.id}/${t.task_id.value}@${t.agent_id.value}:${t.state}`))),
    agentTasks: sorted([...b.agents.values()].flatMap((a) => [...a.tasks.values()].flatMap((m) => [...m.values()]).filter((t) => !isTerminal(t.state)).map((t) => `${a.id}:${t.task_id.value}`))),
    agentUsed: sorted([...b.agents.values()].flatMap((a) => usedOf(a.used).map((u) => `${a.id}:${u}`))),
    frameworkUsed: sorted([...b.frameworks.values()].flatMap((f) => usedOf(f.used).map((u) => `${f.id}:${u}`))),
    deactivated: sorted(b.maintenance.deactivated),
    drains: sorted([...b.maintenance.drains].map(([id, d]) => `${id}:${d.state}:${JSON.stringify(d.config)}`)),
    windows: JSON.stringify(b.maintenance.windows),
    down: sorted(b.maintenance.down.keys()),
    offered: sorted([...b.agents.values()].map((a) => `${a.id}:${a.active}`)),
  };
}

describe('the books rebuilt from the registry and re-registration', () => {
  test('equal the live books, for random event sequences', () => {
    fc.assert(
      fc.property(fc.array(event, { minLength: 1, maxLength: 120 }), (events) => {
        const live = new Live();
        for (const ev of events) live.step(ev);
        // Terminal tasks whose updates were not acknowledged: they use nothing and are not compared (the agents report them
        // again after a failover and the master retires them on the acknowledgement).
        expect(view(live.rebuild())).toEqual(view(live.books));
      }),
      {
        // Found once by hand, kept: an unreachable agent deactivated, then given up on (its deactivation must go with it).
        examples: [[[{ e: 'agent', a: 0 }, { e: 'unreachable', a: 0 }, { e: 'deactivate', a: 0 }, { e: 'forget', a: 0 }]]],
        numRuns: Number(process.env['BOOKS_PROPERTY_RUNS'] ?? 300),
        ...(process.env['BOOKS_PROPERTY_SEED'] ? { seed: Number(process.env['BOOKS_PROPERTY_SEED']) } : {}),
      },
    );
  });
});

/** The books' usage index (books/usage.ts) as it reads, and as a walk of every framework, agent and task computes it. */
function usage(b: MasterState): { indexed: unknown; recomputed: unknown } {
  const roles = new Map<string, Resources>();
  for (const f of b.frameworks.values()) {
    for (const r of f.totalUsed().toJSON()) {
      const role = r.allocation_info?.role ?? f.roles[0] ?? '*';
      roles.set(role, (roles.get(role) ?? Resources.empty()).add(Resources.of([r]).unallocate()));
    }
  }
  const tasks = new Map<string, number>();
  let active = 0;
  const total = METRIC_SCALARS.map(() => 0);
  for (const a of b.agents.values()) {
    if (a.active) active++;
    METRIC_SCALARS.forEach((name, i) => (total[i]! += a.total.scalar(name)));
    for (const m of a.tasks.values()) for (const t of m.values()) if (!isTerminal(t.state)) tasks.set(t.state, (tasks.get(t.state) ?? 0) + 1);
  }
  const spell = (rs: Iterable<[string, Resources]>): string[] => [...rs].filter(([, r]) => !r.isEmpty()).map(([role, r]) => `${role}=${r.toString()}`).sort();
  const states = ['TASK_STAGING', 'TASK_STARTING', 'TASK_RUNNING', 'TASK_KILLING', 'TASK_UNREACHABLE'] as const;
  const used = METRIC_SCALARS.map(() => 0);
  for (const r of roles.values()) METRIC_SCALARS.forEach((name, i) => (used[i]! += r.scalar(name)));
  return {
    indexed: { roles: spell(b.usage.roles()), tasks: states.map((s) => b.usage.tasks(s)), active: b.usage.activeAgents, total: b.usage.total(), used: b.usage.used() },
    recomputed: { roles: spell(roles), tasks: states.map((s) => tasks.get(s) ?? 0), active, total, used },
  };
}

describe('the usage index of the books', () => {
  test('equals a full recomputation after every transition, live and rebuilt, for random event sequences', () => {
    fc.assert(
      // Long enough that a framework often has several tasks on one agent when one of them ends.
      fc.property(fc.array(event, { minLength: 40, maxLength: 160 }), (events) => {
        const live = new Live();
        // Every agent and framework first, so that most events act on something.
        const start: Event[] = [...Array.from({ length: AGENTS }, (_, a) => ({ e: 'agent' as const, a })), ...Array.from({ length: FRAMEWORKS }, (_, f) => ({ e: 'framework' as const, f }))];
        for (const ev of [...start, ...events]) {
          live.step(ev);
          const u = usage(live.books);
          expect(u.indexed).toEqual(u.recomputed);
        }
        const rebuilt = usage(live.rebuild());
        expect(rebuilt.indexed).toEqual(rebuilt.recomputed);
        expect(rebuilt.indexed).toEqual(usage(live.books).indexed);
      }),
      {
        // Two tasks of one framework on one agent, one ends: the framework still holds the other's resources there.
        examples: [[[{ e: 'launch', f: 0, a: 0 }, { e: 'launch', f: 0, a: 0 }, { e: 'update', t: 0, state: 'TASK_FINISHED' }, { e: 'rerole', f: 0, role: 'eng' }, { e: 'unknown', t: 1 }]]],
        numRuns: Number(process.env['BOOKS_PROPERTY_RUNS'] ?? 300),
        ...(process.env['BOOKS_PROPERTY_SEED'] ? { seed: Number(process.env['BOOKS_PROPERTY_SEED']) } : {}),
      },
    );
  });
});
