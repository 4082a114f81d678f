/**
 * The small C programs `make build` puts in dist/bin/ (the launcher helper, the
 * logrotate logger): found at the path an environment variable names, else in
 * dist/bin/ of this checkout (from the compiled module, dist/agent/containerizer
 * → dist/bin; from the sources, agent/containerizer → dist/bin).
 */
import { accessSync, constants } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The executable `name`, or `override` when given; undefined when it is not built (or not executable). */
export function findBuiltBinary(name: string, override: string | undefined): string | undefined {
  const candidates = override ? [override] : [new URL(`../../bin/${name}`, import.meta.url), new URL(`../../dist/bin/${name}`, import.meta.url)].map((u) => fileURLToPath(u));
  for (const c of candidates) {
    try {
      accessSync(c, constants.X_OK);
      return c;
    } catch {
      /* the next place */
    }
  }
  return undefined;
}

export const HELPER_NAME = 'mesos-ts-launcher';

/**
 * Where the helper binary is: $MESOS_TS_LAUNCHER, else dist/bin/ of this
 * checkout (from the compiled module, dist/agent/containerizer → dist/bin; from
 * the sources, agent/containerizer → dist/bin). undefined when not built.
 */
export function findHelper(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return findBuiltBinary(HELPER_NAME, env.MESOS_TS_LAUNCHER);
}
