/**
 * HTTP authentication on the agent, as on the master (protocol/auth/http.ts):
 * read-only endpoints (/state, /metrics, /monitor, /files, GET_* operator
 * calls) need credentials with --authenticate_http_readonly, the operator
 * calls that would change something with --authenticate_http_readwrite,
 * both against --http_credentials. Credentials that are sent are always
 * checked. /health stays open. Executors authenticate with their own token
 * instead (executor-token.ts).
 */
import type { HttpHandler, HttpRequest, HttpResponse } from 'libprocess-ts';
import { HttpAuthenticator, type Authenticated } from '../protocol/auth/http.js';
import { credentialsMap, readCredentialsFile } from '../protocol/credentials.js';
import type { AgentFlags } from './flags.js';

export type AgentAccess = 'readonly' | 'readwrite';

export class AgentHttpAuth {
  readonly #authenticator: HttpAuthenticator | undefined;

  constructor(private readonly flags: AgentFlags) {
    this.#authenticator = flags.http_credentials !== undefined ? new HttpAuthenticator(credentialsMap(readCredentialsFile(flags.http_credentials))) : undefined;
  }

  required(access: AgentAccess): boolean {
    return access === 'readonly' ? this.flags.authenticate_http_readonly : this.flags.authenticate_http_readwrite;
  }

  authenticate(req: HttpRequest, access: AgentAccess): Authenticated {
    if (this.#authenticator === undefined) return { principal: undefined };
    return this.#authenticator.authenticate(req.headers, this.required(access));
  }

  /** A read-only route: 401 unless authenticated as needed. */
  readonly(handler: HttpHandler): HttpHandler {
    return (req): HttpResponse | Promise<HttpResponse> => {
      const who = this.authenticate(req, 'readonly');
      return 'response' in who ? who.response : handler(req);
    };
  }
}
