import type { Credentials } from '../credentials.js';
import { checkBasic } from './basic.js';

/**
 * The authentication step of an HTTP endpoint, shared by master and agent
 * (Kubernetes-style: authenticate, then authorize, each denial naming its
 * stage). A request that carries credentials has them checked whether or not
 * the endpoint requires them (a wrong secret is always 401); a request
 * without any is anonymous, which only an endpoint that does not require
 * authentication accepts.
 */
export const REALM = 'mesos';

/** A plain HTTP answer (structurally libprocess-ts's HttpResponse). */
export interface AuthResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export type Authenticated = { readonly principal: string | undefined } | { readonly response: AuthResponse };

/** 401 with the challenge browsers and clients answer. */
export function unauthorized(why: string, realm = REALM): AuthResponse {
  return { status: 401, headers: { 'www-authenticate': `Basic realm="${realm}"`, 'content-type': 'text/plain; charset=utf-8' }, body: `${why}\n` };
}

/** 403 naming what denied it. */
export function forbidden(why: string): AuthResponse {
  return { status: 403, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: `${why}\n` };
}

export class HttpAuthenticator {
  /**
   * @param credentials principals and secrets (the master's --credentials, an agent's --http_credentials)
   * @param realm what the 401 challenge names
   */
  constructor(private readonly credentials: Credentials, private readonly realm = REALM) {}

  /** Who sent `headers`; `required`: an anonymous request is refused. */
  authenticate(headers: Readonly<Record<string, string | undefined>>, required: boolean): Authenticated {
    const header = headers['authorization'];
    if (header === undefined || header.trim() === '') {
      return required ? { response: unauthorized('Unauthorized: this endpoint needs credentials (HTTP Basic authentication)', this.realm) } : { principal: undefined };
    }
    const checked = checkBasic(header, this.credentials);
    if ('error' in checked) return { response: unauthorized(`Unauthorized: ${checked.error}`, this.realm) };
    return { principal: checked.principal };
  }
}
