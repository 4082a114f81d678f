/**
 * The options every command that talks to a cluster shares: --master,
 * --mdns_name, --principal, --secret; the credential is put to use (for every
 * HTTP call of the command) before its action runs.
 */
import { Command, Option } from 'commander';
import { credentialOptions, useCredential } from './credentials.js';
import { mdnsNameOption } from './discovery.js';

export interface ClusterOptions {
  master?: string;
  mdns_name?: string;
  principal?: string;
  secret?: string;
}

/** Adds --master, --mdns_name, --principal and --secret to `command`, and uses the credential they give before its action. */
export function withClusterOptions(command: Command): Command {
  const [principal, secret] = credentialOptions();
  return command
    .hook('preAction', (_self, action) => useCredential(action.opts<ClusterOptions>()))
    .addOption(new Option('--master <host:port,...|mdns>', 'where the masters are: any of them, the leader is found (default: found over mDNS)').env('MESOS_MASTER'))
    .addOption(mdnsNameOption())
    .addOption(principal!)
    .addOption(secret!);
}
