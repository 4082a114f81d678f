/**
 * Authentication, then authorization, for the master's HTTP endpoints: one
 * place every route goes through (http-state, http-operator, http-scheduler).
 *
 * - read-only endpoints (state, metrics, GET_* operator calls, SUBSCRIBE to
 *   the operator event stream) need credentials with --authenticate_http_readonly;
 * - read-write ones (operator calls that change something) with
 *   --authenticate_http_readwrite; the scheduler API with that or
 *   --authenticate_frameworks;
 * - credentials that are sent are always checked (a wrong secret is 401);
 * - then --acls decides (403 naming the rule), and view_* rules filter what
 *   the state shows.
 */
import type { HttpRequest, HttpResponse } from 'libprocess-ts';
import { NO_ACLS } from '../protocol/auth/acls.js';
import { Authorizer } from '../protocol/auth/authorizer.js';
import { forbidden, HttpAuthenticator, unauthorized, type Authenticated } from '../protocol/auth/http.js';
import type { ExecutorInfo, FrameworkInfo, Task } from '../protocol/types.js';
import type { MasterFlags } from './flags.js';

export type Access = 'readonly' | 'readwrite' | 'scheduler';

/** What one principal may see of the state (view_frameworks, view_tasks, view_executors, view_roles, view_flags). */
export interface Viewer {
  framework(info: FrameworkInfo): boolean;
  task(task: Task, framework: FrameworkInfo): boolean;
  executor(executor: ExecutorInfo, framework: FrameworkInfo): boolean;
  role(name: string): boolean;
  readonly flags: boolean;
}

export const SEE_ALL: Viewer = { framework: () => true, task: () => true, executor: () => true, role: () => true, flags: true };

export class MasterHttpAuth {
  readonly authorizer: Authorizer;
  readonly #authenticator: HttpAuthenticator | undefined;

  constructor(private readonly flags: MasterFlags) {
    this.authorizer = new Authorizer(flags.acls ?? NO_ACLS);
    this.#authenticator = flags.credentials !== undefined ? new HttpAuthenticator(flags.credentials) : undefined;
  }

  /** Does `access` need credentials under these flags? */
  required(access: Access): boolean {
    if (access === 'readonly') return this.flags.authenticateHttpReadonly;
    if (access === 'readwrite') return this.flags.authenticateHttpReadwrite;
    return this.flags.authenticateHttpReadwrite || this.flags.authenticateFrameworks;
  }

  /** The principal of a request, or the 401 to answer. Without --credentials every request is anonymous (or refused where credentials are required). */
  authenticate(req: HttpRequest, access: Access): Authenticated {
    if (this.#authenticator !== undefined) return this.#authenticator.authenticate(req.headers, this.required(access));
    // Required, but nothing to check against: nobody gets in (never open by mistake).
    if (this.required(access)) return { response: unauthorized('Unauthorized: this endpoint needs credentials, and the master has no --credentials to check them against') };
    return { principal: undefined };
  }

  /** A read-only route: authenticated as such, then `get_endpoints` for `path` when `endpoint` is set. */
  readonly(handler: (req: HttpRequest, principal: string | undefined) => HttpResponse | Promise<HttpResponse>, endpoint?: string): (req: HttpRequest) => HttpResponse | Promise<HttpResponse> {
    return (req) => {
      const who = this.authenticate(req, 'readonly');
      if ('response' in who) return who.response;
      if (endpoint !== undefined) {
        const d = this.authorizer.authorize('get_endpoints', who.principal, endpoint);
        if (!d.allowed) return forbidden(d.message);
      }
      return handler(req, who.principal);
    };
  }

  /** What `principal` may see. */
  viewer(principal: string | undefined): Viewer {
    if (this.authorizer.open) return SEE_ALL;
    const a = this.authorizer;
    const userOf = (info: FrameworkInfo, own?: string): string | undefined => own ?? info.user;
    return {
      framework: (info) => a.authorize('view_frameworks', principal, info.user).allowed,
      task: (task, info) => a.authorize('view_tasks', principal, userOf(info, task.user)).allowed,
      executor: (executor, info) => a.authorize('view_executors', principal, userOf(info, executor.command?.user)).allowed,
      role: (name) => a.authorize('view_roles', principal, name).allowed,
      flags: a.authorize('view_flags', principal, undefined).allowed,
    };
  }
}
