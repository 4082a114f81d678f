/**
 * The command line of an example's main.ts: node's parseArgs with `-h/--help`
 * added, an unknown or malformed flag exits 2 with the example's help, and
 * `usage(message)` for the checks each example makes of the values.
 */
import { parseArgs } from 'node:util';

type Options = Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }>;
type Values<O extends Options> = ReturnType<typeof parseArgs<{ options: O & { help: { type: 'boolean'; short: 'h' } } }>>['values'];

export interface ExampleArgs<O extends Options> {
  readonly values: Values<O>;
  /** Prints `<name>: <message>`, then the help, and exits 2. */
  usage(message: string): never;
}

export function exampleArgs<O extends Options>(name: string, help: string, options: O): ExampleArgs<O> {
  const usage = (message: string): never => {
    console.error(`${name}: ${message}\n\n${help}`);
    process.exit(2);
  };
  let values: Values<O>;
  try {
    ({ values } = parseArgs({ options: { ...options, help: { type: 'boolean', short: 'h' } } as O & { help: { type: 'boolean'; short: 'h' } } }));
  } catch (e) {
    return usage((e as Error).message);
  }
  if ((values as { help?: boolean }).help === true) {
    console.log(help);
    process.exit(0);
  }
  return { values, usage };
}
