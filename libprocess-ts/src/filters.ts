import type { Envelope } from './message.js';
import { PID, idOf } from './pid.js';

/**
 * Test filters: await or drop messages and dispatches by name, sender and
 * receiver, checked at the one point where every event enters a mailbox
 * (local sends and messages from either transport alike). The registry is
 * shared by every runtime in this Node process. With no filter installed the
 * cost on the hot path is one boolean check.
 */

/** Matches a PID: a PID, its full text `id@host:port`, just the id, or a predicate on the text. */
export type PidMatcher = PID | string | ((pid: string) => boolean);

interface MessageFilter {
  readonly name: string;
  readonly from: PidMatcher | undefined;
  readonly to: PidMatcher | undefined;
  /** 'await': resolve once and let it through; 'drop': drop once; 'drop-all': drop until removed. */
  readonly action: 'await' | 'drop' | 'drop-all';
  readonly resolve: (envelope: Envelope) => void;
}

interface DispatchFilter {
  readonly pid: PidMatcher;
  readonly method: string;
  readonly resolve: () => void;
}

const messageFilters: MessageFilter[] = [];
const dispatchFilters: DispatchFilter[] = [];

/** True while any filter is installed: the hot path checks only this. */
export const filtersState = { active: false };

function refresh(): void {
  filtersState.active = messageFilters.length > 0 || dispatchFilters.length > 0;
}

function matches(matcher: PidMatcher | undefined, pid: string): boolean {
  if (matcher === undefined) return true;
  if (typeof matcher === 'function') return matcher(pid);
  if (typeof matcher === 'string') return matcher.includes('@') ? matcher === pid : matcher === idOf(pid);
  return matcher.toString() === pid;
}

/**
 * Called by the runtime for every message about to enter a mailbox.
 * Every matching `futureMessage` sees it (and is used up); at most one
 * `dropMessage` is used up by it; `dropMessages` drop until removed.
 * Returns true when a filter dropped it.
 */
export function filterMessage(envelope: Envelope): boolean {
  let dropped = false;
  let removed = false;
  for (let i = 0; i < messageFilters.length; i++) {
    const f = messageFilters[i]!;
    if (f.name !== envelope.name || !matches(f.from, envelope.from) || !matches(f.to, envelope.to)) continue;
    if (f.action === 'drop-all') {
      dropped = true;
      f.resolve(envelope);
      continue;
    }
    if (f.action === 'drop') {
      if (dropped) continue;
      dropped = true;
    }
    messageFilters.splice(i--, 1);
    removed = true;
    f.resolve(envelope);
  }
  if (removed) refresh();
  return dropped;
}

export function filterDispatch(pid: string, method: string): void {
  for (let i = 0; i < dispatchFilters.length; i++) {
    const f = dispatchFilters[i]!;
    if (f.method !== method || !matches(f.pid, pid)) continue;
    dispatchFilters.splice(i, 1);
    refresh();
    f.resolve();
    return;
  }
}

/** A promise of the next message named `name` (from and to optional) as it enters a mailbox; the message is delivered. */
export function futureMessage(name: string, from?: PidMatcher, to?: PidMatcher): Promise<Envelope> {
  return new Promise((resolve) => {
    messageFilters.push({ name, from, to, action: 'await', resolve });
    refresh();
  });
}

/** Drops the next matching message; the promise resolves with it once dropped. */
export function dropMessage(name: string, from?: PidMatcher, to?: PidMatcher): Promise<Envelope> {
  return new Promise((resolve) => {
    messageFilters.push({ name, from, to, action: 'drop', resolve });
    refresh();
  });
}

export interface DropHandle {
  /** Messages dropped so far. */
  readonly dropped: Envelope[];
  /** Stops dropping. */
  remove(): void;
}

/** Drops every matching message until `remove()` is called. */
export function dropMessages(name: string, from?: PidMatcher, to?: PidMatcher): DropHandle {
  const dropped: Envelope[] = [];
  const filter: MessageFilter = { name, from, to, action: 'drop-all', resolve: (e) => dropped.push(e) };
  messageFilters.push(filter);
  refresh();
  return {
    dropped,
    remove: () => {
      const i = messageFilters.indexOf(filter);
      if (i >= 0) messageFilters.splice(i, 1);
      refresh();
    },
  };
}

/** A promise resolved when a dispatch of `method` to `pid` enters its mailbox. */
export function futureDispatch(pid: PidMatcher, method: string): Promise<void> {
  return new Promise((resolve) => {
    dispatchFilters.push({ pid, method, resolve });
    refresh();
  });
}

/** Removes every filter (for afterEach). Pending futures stay unresolved. */
export function clearFilters(): void {
  messageFilters.length = 0;
  dispatchFilters.length = 0;
  refresh();
}
