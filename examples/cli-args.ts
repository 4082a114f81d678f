/**
 * The command line of an example's main.ts: node's parseArgs with `-h/--help`
 * added, an unknown or malformed flag exits 2 with the example's help, and
 * `usage(message)` for the checks each example makes of the values.
 */
import { parseArgs } from 'node:util';
import { localClusterCredential } from '../cli/credentials.js';
import { readCredentialFile, type Credential } from '../protocol/credentials.js';

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

/** The credential options every example framework takes (spread into its options). */
export const CREDENTIAL_OPTIONS = {
  credential: { type: 'string' },
  principal: { type: 'string' },
  secret: { type: 'string' },
} as const;

/** Their lines of the help. */
export const CREDENTIAL_HELP = `  --credential <file>      the framework's {"principal": ..., "secret": ...} (mesos-ts local writes
                           <work_dir>/operator-credential.json)
  --principal <p>, --secret <s>  the same given directly (default $MESOS_PRINCIPAL, $MESOS_SECRET;
                           without either, the operator credential of the \`mesos-ts local\` cluster
                           at --master, when this user started it)`;

/** The master list an example talks to: --master, else $MESOS_MASTER, else 127.0.0.1:5050. */
export function masterOf(values: { master?: string | undefined }): string {
  return values.master ?? process.env['MESOS_MASTER'] ?? '127.0.0.1:5050';
}

/**
 * The framework's credential from those options (or MESOS_PRINCIPAL / MESOS_SECRET), else the
 * operator credential of the local cluster at the master list, as the CLI's commands find it; a bad
 * file or a half pair is a usage error.
 */
export function credentialOf(values: { master?: string | undefined; credential?: string | undefined; principal?: string | undefined; secret?: string | undefined }, usage: (message: string) => never): Credential | undefined {
  const principal = values.principal ?? process.env['MESOS_PRINCIPAL'];
  const secret = values.secret ?? process.env['MESOS_SECRET'];
  try {
    if (values.credential !== undefined) return readCredentialFile(values.credential);
  } catch (e) {
    return usage(`--credential: ${(e as Error).message}`);
  }
  if (principal === undefined && secret === undefined) return localClusterCredential(masterOf(values).split(','));
  if (!principal || !secret) return usage('--principal and --secret go together (or MESOS_PRINCIPAL and MESOS_SECRET)');
  return { principal, secret };
}
