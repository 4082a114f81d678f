/**
 * The agent's side of a fetch: a container's URIs fetched into its sandbox
 * before it is launched, bounded by `--executor_registration_timeout` (as
 * in Mesos, the fetch is part of the executor's registration time) on the
 * agent's clock, and aborted when the container is given up (a kill while
 * launching).
 */
import type { CommandInfoURI } from '../../protocol/types.js';
import type { UriFetcher } from './fetcher.js';

export interface FetchTimer {
  cancel(): void;
}

export interface LaunchFetch {
  /** Resolves when every URI is in the sandbox; rejects with an error naming the URI. */
  readonly done: Promise<void>;
  abort(why: string): void;
}

export function fetchForLaunch(
  fetcher: UriFetcher,
  uris: readonly CommandInfoURI[] | undefined,
  target: { readonly sandbox: string; readonly user?: string | undefined },
  timeout: { readonly ms: number; readonly text: string; readonly delay: (ms: number, fn: () => void) => FetchTimer },
): LaunchFetch {
  const ac = new AbortController();
  const abort = (why: string): void => ac.abort(new Error(why));
  if (!uris || uris.length === 0) return { done: Promise.resolve(), abort };
  const timer = timeout.delay(timeout.ms, () => abort(`the fetch did not finish within --executor_registration_timeout=${timeout.text}`));
  const req = { uris, sandbox: target.sandbox, signal: ac.signal, ...(target.user !== undefined ? { user: target.user } : {}) };
  const done = fetcher.fetch(req).finally(() => timer.cancel());
  return { done, abort };
}
