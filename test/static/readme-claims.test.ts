// The docs check's reader: what counts as a claim in a README, and what does not.
import { describe, expect, test } from '@jest/globals';
import { expandRoute, readmeClaims } from './readme-claims.js';

const names = (text: string, file = 'README.md'): string[] =>
  readmeClaims(file, text).map((c) => (c.kind === 'flag' ? `flag ${c.command} ${c.name}` : c.kind === 'route' ? `route ${c.server} ${c.name}` : `${c.kind} ${c.name}`));

describe('README claims', () => {
  test('make targets and commands in code, flags belonging to the command before them on the line', () => {
    expect(names('Run `make test JEST_ARGS=x` then `make example-<x>`; to make sure, `npx mesos-ts tasks --all --help`.')).toEqual(['make test', 'command tasks', 'flag tasks --all']);
    expect(names('| `mesos-ts master` | a master: `--ip`, `--port` (5050) |')).toEqual(['command master', 'flag master --ip', 'flag master --port']);
    expect(names('```sh\nnode --import x mesos-ts local --agents=3 # --masters\n```')).toEqual(['command local', 'flag local --agents', 'flag local --masters']);
    expect(names('prose: make local, mesos-ts master --port')).toEqual([]);
  });

  test('routes: by their prefix, else by the README or section they are in; files and placeholders are not routes', () => {
    expect(names('`/master/state`, `/slave(1)/state`, `/files/browse|read`, `/tmp/x`, `<work_dir>/slaves/x`, `/slave(1)/<path>`')).toEqual([
      'route master /master/state',
      'route agent /slave(1)/state',
      'route agent /files/browse',
      'route agent /files/read',
    ]);
    expect(names('`/health` and `/flags`', 'agent/README.md')).toEqual(['route agent /health', 'route agent /flags']);
    expect(names('Every agent serves:\n- `/metrics`\n## Other\n- `/metrics`')).toEqual(['route agent /metrics']);
    expect(names('```\n │ files.ts /state, /health, /files/{browse,read,...} │\n```', 'agent/README.md')).toEqual(['route agent /state', 'route agent /health']);
    expect(expandRoute('/files/{browse,read}?path=x')).toEqual(['/files/browse', '/files/read']);
  });
});
