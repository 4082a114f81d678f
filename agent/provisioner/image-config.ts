/**
 * The runtime part of a Docker / OCI image config (`config` in the image's
 * config JSON): Entrypoint, Cmd, Env, WorkingDir, User. Validated: an image
 * is input too.
 */
export interface ImageConfig {
  entrypoint?: string[];
  cmd?: string[];
  /** `KEY=value` entries, as in the image. */
  env?: string[];
  workingDir?: string;
  user?: string;
}

export class ImageConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImageConfigError';
  }
}

function strings(v: unknown, field: string): string[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || !v.every((s) => typeof s === 'string')) throw new ImageConfigError(`the image config's ${field} must be an array of strings`);
  return v as string[];
}

function str(v: unknown, field: string): string | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string') throw new ImageConfigError(`the image config's ${field} must be a string`);
  return v;
}

/** Reads the config JSON of an image (docker save's `<id>.json`, or an OCI config blob). */
export function parseImageConfig(text: string): ImageConfig {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new ImageConfigError(`the image config is not valid JSON: ${(e as Error).message}`);
  }
  if (typeof doc !== 'object' || doc === null) throw new ImageConfigError('the image config is not a JSON object');
  const c = (doc as { config?: unknown }).config ?? {};
  if (typeof c !== 'object' || c === null) throw new ImageConfigError("the image config's 'config' is not an object");
  const o = c as Record<string, unknown>;
  const out: ImageConfig = {};
  const entrypoint = strings(o.Entrypoint, 'Entrypoint');
  const cmd = strings(o.Cmd, 'Cmd');
  const env = strings(o.Env, 'Env');
  const workingDir = str(o.WorkingDir, 'WorkingDir');
  const user = str(o.User, 'User');
  if (entrypoint) out.entrypoint = entrypoint;
  if (cmd) out.cmd = cmd;
  if (env) out.env = env;
  if (workingDir) {
    if (!workingDir.startsWith('/')) throw new ImageConfigError(`the image's WorkingDir ${JSON.stringify(workingDir)} is not an absolute path`);
    out.workingDir = workingDir;
  }
  if (user) out.user = user;
  return out;
}

/** `KEY=value` entries to a map (later entries win; an entry without '=' is refused). */
export function envMap(env: string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of env ?? []) {
    const eq = e.indexOf('=');
    if (eq <= 0) throw new ImageConfigError(`the image's Env entry ${JSON.stringify(e)} is not KEY=value`);
    out[e.slice(0, eq)] = e.slice(eq + 1);
  }
  return out;
}
