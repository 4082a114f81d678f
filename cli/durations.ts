/**
 * Mesos-style flag values: durations like `15secs`, `1mins`, `500ms`, `2hrs`,
 * `1days` (also `15s`, `1m`), and booleans. Errors name the flag and the value.
 */
import { DURATION_EXAMPLES, parseDurationMs } from '../protocol/durations.js';

/** Milliseconds in a Mesos duration such as `15secs`. */
export function parseDuration(flag: string, text: string): number {
  const ms = parseDurationMs(String(text));
  if (ms === undefined) throw new Error(`--${flag}=${text}: expected a duration such as ${DURATION_EXAMPLES}`);
  return ms;
}

export function parseBool(flag: string, text: string | boolean): boolean {
  if (typeof text === 'boolean') return text;
  if (/^(true|1|yes)$/i.test(text)) return true;
  if (/^(false|0|no)$/i.test(text)) return false;
  throw new Error(`--${flag}=${text}: expected true or false`);
}

export function parsePort(flag: string, text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(String(text)) || n > 65535) throw new Error(`--${flag}=${text}: expected a port number 0-65535`);
  return n;
}

export function parsePositiveInt(flag: string, text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(String(text)) || n < 1) throw new Error(`--${flag}=${text}: expected a positive integer`);
  return n;
}

/** `--weights=eng=2,ads=0.5` → { eng: 2, ads: 0.5 }. */
export function parseWeights(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  if (text.trim() === '') return out;
  for (const part of text.split(',')) {
    const [role, w] = part.split('=');
    const weight = Number(w);
    if (!role || w === undefined || !Number.isFinite(weight) || weight <= 0) {
      throw new Error(`--weights=${text}: '${part}' is not role=weight with a positive weight`);
    }
    out[role.trim()] = weight;
  }
  return out;
}

/** A comma-separated list of resource names (`disk,gpus`); an empty or malformed name is refused, naming the flag. */
export function parseResourceNames(flag: string, text: string): string[] {
  const names = text.split(',').map((n) => n.trim());
  for (const n of names) {
    if (!/^[A-Za-z][A-Za-z0-9_.-]*$/.test(n)) throw new Error(`--${flag}=${text}: ${JSON.stringify(n)} is not a resource name (letters, digits, '_', '.', '-')`);
  }
  return names;
}
