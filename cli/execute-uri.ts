/**
 * `mesos-ts execute --uri`: a URI to fetch into the task's sandbox, given as the URI itself
 * (http(s)://, file://, an absolute path; archives are extracted, as the fetcher's default) or
 * as a CommandInfo.URI in JSON (`{"value": ..., "executable": true, "cache": true,
 * "extract": false, "output_file": "bin/tool"}`). Checked here as the agent's fetcher checks it,
 * so a bad one is refused before anything is launched, naming what is wrong.
 */
import { planUri, UriError } from '../agent/fetcher/uri.js';
import type { CommandInfoURI } from '../protocol/types.js';

const FIELDS: Record<string, 'string' | 'boolean'> = { value: 'string', executable: 'boolean', extract: 'boolean', cache: 'boolean', output_file: 'string' };

export function parseUriOption(text: string): CommandInfoURI {
  let uri: CommandInfoURI;
  if (text.trim().startsWith('{')) {
    let o: unknown;
    try {
      o = JSON.parse(text);
    } catch (e) {
      throw new Error(`--uri=${text}: not valid JSON (${(e as Error).message})`);
    }
    if (typeof o !== 'object' || o === null || Array.isArray(o)) throw new Error(`--uri=${text}: expected a JSON object {"value": ...}`);
    for (const [k, v] of Object.entries(o)) {
      if (!(k in FIELDS)) throw new Error(`--uri=${text}: unknown field '${k}' (known: ${Object.keys(FIELDS).join(', ')})`);
      if (typeof v !== FIELDS[k]) throw new Error(`--uri=${text}: '${k}' must be a ${FIELDS[k]}`);
    }
    uri = o as CommandInfoURI;
  } else uri = { value: text };
  try {
    planUri(uri);
  } catch (e) {
    if (e instanceof UriError) throw new Error(`--uri=${text}: ${e.message}`);
    throw e;
  }
  return uri;
}
