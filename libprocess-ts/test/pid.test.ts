import { describe, expect, test } from '@jest/globals';
import { PID, idOf, addressOf } from '../src/pid.js';
import { LibprocessError } from '../src/errors.js';

describe('PID', () => {
  test('parses, formats and compares', () => {
    const pid = PID.parse('master(1)@127.0.0.1:5050');
    expect(pid.id).toBe('master(1)');
    expect(pid.host).toBe('127.0.0.1');
    expect(pid.port).toBe(5050);
    expect(pid.address).toBe('127.0.0.1:5050');
    expect(pid.toString()).toBe('master(1)@127.0.0.1:5050');
    expect(JSON.stringify({ pid })).toBe('{"pid":"master(1)@127.0.0.1:5050"}');
    expect(pid.equals('master(1)@127.0.0.1:5050')).toBe(true);
    expect(pid.equals(new PID('master(1)', '127.0.0.1', 5050))).toBe(true);
    expect(pid.equals(new PID('master(2)', '127.0.0.1', 5050))).toBe(false);
    expect(pid.compare(new PID('master(2)', '127.0.0.1', 5050))).toBe(-1);
    expect(pid.compare(pid)).toBe(0);
    expect(PID.parse('a@[::1]:1').host).toBe('[::1]');
    expect(idOf('x@h:1')).toBe('x');
    expect(addressOf('x@h:1')).toBe('h:1');
  });

  test.each([
    ['master', "missing '@'"],
    ['@host:1', 'empty process id'],
    ['m@host', "missing ':port'"],
    ['m@:5050', 'empty host'],
    ['m@host:abc', 'is not a number'],
    ['m@host:70000', 'bad port 70000'],
    ['m n@host:1', 'bad process id'],
  ])('rejects %j with a clear error', (text, why) => {
    let error: unknown;
    try {
      PID.parse(text);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(LibprocessError);
    expect((error as LibprocessError).code).toBe('E_BAD_PID');
    expect((error as Error).message).toContain(why);
  });
});
