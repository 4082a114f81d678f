/**
 * Frameworks at the master: subscription (new, resubscription after a
 * scheduler restart or a master failover), the single active scheduler per
 * framework, disconnection and `failover_timeout`, teardown and removal.
 */
import type { Timer } from 'libprocess-ts';
import { idError } from '../protocol/ids.js';
import { isValidRole, roleError } from '../protocol/roles.js';
import type { FrameworkInfo } from '../protocol/types.js';
import * as frameworkBooks from './books/frameworks.js';
import type { SchedulerConnection } from './connection.js';
import type { MasterContext } from './context.js';
import { Framework, rolesOf } from './framework.js';
import type { Offering } from './offering.js';

export class Frameworks {
  constructor(private readonly ctx: MasterContext, private readonly offering: Offering, private readonly onRemoved: (framework: Framework) => void) {}

  /** Why a FrameworkInfo cannot be accepted, or undefined. */
  invalid(info: FrameworkInfo | undefined): string | undefined {
    if (info === null || typeof info !== 'object') return 'framework_info is missing';
    if (typeof info.user !== 'string') return 'framework_info.user must be a string';
    if (typeof info.name !== 'string') return 'framework_info.name must be a string';
    // The id becomes a directory on agents (<work_dir>/slaves/<agent>/frameworks/<id>): it must be safe as one.
    if (info.id !== undefined && info.id !== null) {
      const why = idError(info.id.value);
      if (why !== undefined) return `framework_info.id ${why}`;
    }
    if (info.failover_timeout !== undefined && !(typeof info.failover_timeout === 'number' && info.failover_timeout >= 0)) return 'framework_info.failover_timeout must be a number >= 0';
    const multi = (info.capabilities ?? []).some((c) => c?.type === 'MULTI_ROLE');
    if (multi && info.role !== undefined && info.role !== '*') return 'framework_info.role must not be set together with the MULTI_ROLE capability; use roles';
    if (!multi && info.roles !== undefined && info.roles.length > 0) return 'framework_info.roles needs the MULTI_ROLE capability';
    for (const role of rolesOf(info)) {
      if (!isValidRole(role)) return `framework_info role: ${roleError(role)}`;
    }
    return undefined;
  }

  /**
   * Whether a SUBSCRIBE may go ahead, and the FrameworkInfo it goes ahead
   * with. `authenticated`: the principal the connection proved (HTTP Basic;
   * the actor path once its connections are authenticated); without one the
   * FrameworkInfo's own principal is what ACLs see, as in Mesos.
   * - FrameworkInfo.principal must be the authenticated one (or is set to it);
   * - a known framework id is taken only by its own principal (no takeover);
   * - register_frameworks must allow the principal every role it asks for.
   */
  admission(info: FrameworkInfo, authenticated: string | undefined): { readonly info: FrameworkInfo } | { readonly error: string } {
    if (authenticated !== undefined && info.principal !== undefined && info.principal !== authenticated) {
      return { error: `Framework principal '${info.principal}' does not match the authenticated principal '${authenticated}'` };
    }
    const principal = authenticated ?? info.principal;
    const admitted = principal !== undefined ? { ...info, principal } : info;
    const id = info.id?.value;
    const known = id === undefined || id === '' ? undefined : this.ctx.state.frameworks.get(id);
    if (known !== undefined && known.info.principal !== principal) {
      this.ctx.state.count('master/framework_takeovers_refused');
      return { error: `Framework ${id} belongs to principal '${known.info.principal ?? '(none)'}'; a SUBSCRIBE as '${principal ?? '(none)'}' cannot take it over` };
    }
    for (const role of rolesOf(admitted)) {
      const d = this.ctx.authorizer.authorize('register_frameworks', principal, role);
      if (!d.allowed) return { error: d.message };
    }
    return { info: admitted };
  }

  /**
   * A scheduler subscribes. Without an id: a new framework. With one: the
   * same framework coming back (a new scheduler instance replaces the old
   * one, which is told and dropped).
   */
  subscribe(connection: SchedulerConnection, given: FrameworkInfo, suppressedRoles: readonly string[] = []): Framework | undefined {
    const why = this.invalid(given);
    if (why !== undefined) {
      connection.send('framework_error', { message: `Framework is invalid: ${why}` });
      connection.close();
      this.ctx.state.count('master/invalid_framework_subscriptions');
      return undefined;
    }
    const authenticated = connection.principal;
    if (this.ctx.flags.authenticateFrameworks && authenticated === undefined) {
      return this.#refuse(connection, 'Framework is not authenticated (the master runs with --authenticate_frameworks)', 'master/frameworks_unauthenticated');
    }
    const admitted = this.admission(given, authenticated);
    if ('error' in admitted) {
      this.ctx.logger.warn(`SUBSCRIBE from ${connection.id} refused: ${admitted.error}`);
      return this.#refuse(connection, admitted.error, 'master/unauthorized_framework_subscriptions');
    }
    const info = admitted.info;
    const id = info.id?.value;
    if (id === undefined || id === '') {
      // A retried subscribe from the same scheduler gets the same framework back.
      for (const existing of this.ctx.state.frameworks.values()) {
        if (existing.connection?.id === connection.id && existing.connected && existing.info.id === undefined) {
          // The scheduler may have dropped the offers made since its first subscribe (a driver takes offers only once
          // subscribed, and only from the master it is subscribed to, while a retry may have sent it to another
          // first): left outstanding, they would never be offered again. They are rescinded and offered afresh.
          this.offering.rescindFramework(existing, 'the scheduler subscribed again');
          this.ctx.apply(frameworkBooks.repeated(existing));
          return this.#confirm(existing);
        }
      }
      const fresh = this.ctx.ids.nextFrameworkId().value;
      const framework = new Framework(fresh, { ...info }, this.ctx.clock.now(), this.ctx.flags.maxCompletedTasksPerFramework, suppressedRoles);
      framework.principal = authenticated;
      const added = frameworkBooks.add(this.ctx.state, framework, true);
      this.#connect(framework, connection);
      this.ctx.state.count('master/frameworks_subscribed');
      this.ctx.apply(added);
      this.ctx.logger.info(`framework ${fresh} (${info.name}) subscribed from ${connection.id}`);
      return this.#confirm(framework);
    }
    if (this.ctx.state.removedFrameworkIds.has(id)) {
      connection.send('framework_error', { message: `Framework ${id} has been removed` });
      connection.close();
      return undefined;
    }
    const known = this.ctx.state.frameworks.get(id);
    if (known === undefined) {
      // The master does not know it (this master started after the framework subscribed): take it back with its id.
      const framework = new Framework(id, { ...info }, this.ctx.clock.now(), this.ctx.flags.maxCompletedTasksPerFramework, suppressedRoles);
      framework.principal = authenticated;
      framework.reregisteredAt = this.ctx.clock.now();
      const added = frameworkBooks.add(this.ctx.state, framework, true);
      this.#connect(framework, connection);
      this.ctx.state.count('master/frameworks_resubscribed');
      this.ctx.apply(added);
      return this.#confirm(framework);
    }
    // Known: a scheduler restart (failover) or a reconnection, only by the principal that subscribed it.
    // (A framework recovered from the registry after a failover has no connection principal yet: admission() checked its FrameworkInfo.principal.)
    if (known.principal !== undefined && known.principal !== authenticated) {
      this.ctx.logger.warn(`refused a subscription to framework ${id} from ${connection.id} as ${authenticated ?? 'an unauthenticated scheduler'}: it belongs to ${known.principal ?? 'an unauthenticated scheduler'}`);
      return this.#refuse(connection, `Framework ${id} is subscribed by another principal`, 'master/framework_takeovers_refused');
    }
    known.principal ??= authenticated;
    const previous = known.connection;
    if (previous !== undefined && previous.id !== connection.id) {
      known.connection = undefined; // detached: its closing is not a disconnection of the framework
      previous.send('framework_error', { message: 'Framework failed over' });
      previous.close();
    }
    // Outstanding offers were made to the scheduler as it was before it subscribed again: a new one, or the same
    // address restarted (its offers forgotten), so they go back to the allocator, to be offered again (Mesos's
    // failoverFramework, whether or not the pid changed).
    this.offering.recallFramework(known);
    known.failoverTimer?.cancel();
    known.failoverTimer = undefined;
    const oldRoles = known.roles.join(',');
    known.info = { ...info, id: { value: id } };
    known.suppressedRoles = new Set(suppressedRoles);
    known.reregisteredAt = this.ctx.clock.now();
    known.disconnectedAt = undefined;
    this.#connect(known, connection);
    this.ctx.state.count('master/frameworks_resubscribed');
    this.ctx.apply(frameworkBooks.resubscribed(known, oldRoles !== known.roles.join(',') || suppressedRoles.length > 0));
    this.ctx.logger.info(`framework ${id} (${info.name}) resubscribed from ${connection.id}`);
    return this.#confirm(known);
  }

  #refuse(connection: SchedulerConnection, message: string, counter: string): undefined {
    connection.send('framework_error', { message });
    connection.close();
    this.ctx.state.count(counter);
    return undefined;
  }

  #connect(framework: Framework, connection: SchedulerConnection): void {
    framework.connection = connection;
    if (connection.kind === 'actor') this.ctx.link(connection.id);
  }

  /** Subscribed (the books' transition answered it): a driver-based scheduler gets heartbeats. */
  #confirm(framework: Framework): Framework {
    if (framework.connection?.kind === 'actor') this.#heartbeats(framework, framework.connection);
    return framework;
  }

  readonly #beating = new WeakMap<Framework, Timer>();

  /**
   * Heartbeats to a driver-based scheduler too (HTTP ones get theirs on their stream): a remote link breaks only
   * with its connection, so a driver whose master stepped down and whose one not_leader was lost would stay
   * subscribed to a standby forever; missing two heartbeats, it looks for the leader again.
   */
  #heartbeats(framework: Framework, connection: SchedulerConnection): void {
    this.#beating.get(framework)?.cancel();
    const ms = this.ctx.flags.heartbeatIntervalSeconds * 1000;
    const beat = (): void => {
      if (framework.connection !== connection || this.ctx.state.frameworks.get(framework.id) !== framework) return;
      connection.send('heartbeat', {});
      this.#beating.set(framework, this.ctx.delay(ms, beat));
    };
    this.#beating.set(framework, this.ctx.delay(ms, beat));
  }

  /** UPDATE_FRAMEWORK: new info (name, roles, capabilities...) for a subscribed framework. */
  update(framework: Framework, info: FrameworkInfo, suppressedRoles: readonly string[] | undefined): string | undefined {
    const why = this.invalid(info);
    if (why !== undefined) return `UPDATE_FRAMEWORK refused: ${why}`;
    if (info.id?.value !== framework.id) return `UPDATE_FRAMEWORK refused: framework_info.id must be ${framework.id}`;
    if (info.user !== framework.info.user) return 'UPDATE_FRAMEWORK refused: framework_info.user cannot change';
    if ((info.checkpoint ?? false) !== (framework.info.checkpoint ?? false)) return 'UPDATE_FRAMEWORK refused: framework_info.checkpoint cannot change';
    // The principal is the one the framework subscribed as; ACLs then see its new roles.
    const principal = framework.info.principal;
    if (info.principal !== undefined && info.principal !== principal) return `UPDATE_FRAMEWORK refused: framework_info.principal cannot change (subscribed as '${principal ?? '(none)'}')`;
    for (const role of rolesOf(info)) {
      const d = this.ctx.authorizer.authorize('register_frameworks', principal, role);
      if (!d.allowed) return `UPDATE_FRAMEWORK refused: ${d.message}`;
    }
    info = principal !== undefined ? { ...info, principal } : info;
    framework.info = { ...info };
    if (suppressedRoles !== undefined) framework.suppressedRoles = new Set(suppressedRoles);
    this.ctx.apply(frameworkBooks.changed(framework, true));
    return undefined;
  }

  /** The scheduler's connection broke: stop offering, keep its tasks for `failover_timeout`. */
  disconnected(framework: Framework): void {
    if (!framework.connected) return;
    framework.disconnectedAt = this.ctx.clock.now();
    framework.connection = undefined;
    this.ctx.apply(frameworkBooks.connection(framework, false));
    this.offering.recallFramework(framework);
    const timeout = framework.failoverTimeoutMs;
    this.ctx.logger.info(`framework ${framework.id} disconnected; removing it in ${timeout} ms unless it comes back`);
    framework.failoverTimer?.cancel();
    framework.failoverTimer = this.ctx.delay(timeout, () => {
      framework.failoverTimer = undefined;
      if (!framework.connected && this.ctx.state.frameworks.get(framework.id) === framework) {
        this.ctx.logger.info(`framework ${framework.id} did not come back within its failover timeout: removing it`);
        this.remove(framework, 'failover timeout');
      }
    });
  }

  /** Finds the framework a scheduler connection belongs to. */
  byConnection(connectionId: string): Framework | undefined {
    for (const f of this.ctx.state.frameworks.values()) if (f.connection?.id === connectionId) return f;
    return undefined;
  }

  /** Removes a framework for good: its tasks are killed (agents shut it down), its offers rescinded. */
  remove(framework: Framework, why: string, byItself = false): void {
    if (this.ctx.state.frameworks.get(framework.id) !== framework) return;
    framework.failoverTimer?.cancel();
    framework.failoverTimer = undefined;
    this.offering.recallFramework(framework);
    // Detach first: closing an HTTP stream reports a disconnection, which must not start a failover timer.
    const connection = framework.connection;
    framework.connection = undefined;
    if (connection !== undefined) {
      // A framework that tore itself down is not told; others learn why they were removed.
      if (!byItself) connection.send('framework_error', { message: `Framework removed: ${why}` });
      connection.close();
    }
    this.onRemoved(framework);
    this.ctx.apply(frameworkBooks.remove(this.ctx.state, framework, this.ctx.clock.now()));
    this.ctx.state.count('master/frameworks_removed');
  }
}
