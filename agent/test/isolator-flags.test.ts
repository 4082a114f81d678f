// The agent's flags for the container logger and the network/ports isolator.
import { describe, expect, test } from '@jest/globals';
import { agentFlags } from '../flags.js';
import { containerLoggerOptions } from '../logger-flags.js';
import { networkPortsOptions, parsePortRanges } from '../ports-flags.js';
import { Resources } from '../../protocol/resources.js';

describe('--container_logger flags', () => {
  test('logrotate with its sizes and options; Mesos\'s module name is accepted', () => {
    const f = agentFlags({ container_logger: 'logrotate', container_logger_logrotate_max_stdout_size: '1MB', container_logger_logrotate_stdout_options: 'rotate 9', container_logger_logrotate_max_stderr_size: '4096' });
    expect(containerLoggerOptions(f)).toEqual({
      maxStdoutSize: 1024 * 1024, maxStderrSize: 4096, stdoutOptions: 'rotate 9', stderrOptions: '', logrotatePath: 'logrotate', environmentVariablePrefix: 'CONTAINER_LOGGER_',
    });
    expect(agentFlags({ container_logger: 'org_apache_mesos_LogrotateContainerLogger' }).container_logger).toBe('logrotate');
    expect(containerLoggerOptions(agentFlags({}))).toBeUndefined();
  });

  test('bad values name the flag', () => {
    expect(() => agentFlags({ container_logger: 'journald' })).toThrow('--container_logger=journald: expected logrotate');
    expect(() => agentFlags({ container_logger: 'logrotate', container_logger_logrotate_max_stdout_size: '1KB' })).toThrow('--container_logger_logrotate_max_stdout_size=1KB: expected a size of at least 4096 bytes');
    expect(() => agentFlags({ container_logger_logrotate_stdout_options: 'rotate 3' })).toThrow('--container_logger_logrotate_stdout_options needs --container_logger=logrotate');
    expect(() => agentFlags({ container_logger: 'logrotate', container_logger_logrotate_path: ' ' })).toThrow('--container_logger_logrotate_path: expected the logrotate program');
  });
});

describe('network/ports flags', () => {
  test("Mesos's names and defaults; the agent's range with --check_agent_port_range_only", () => {
    const f = agentFlags({ isolation: 'posix/cpu,network/ports', container_ports_watch_interval: '5secs', check_agent_port_range_only: 'true', enforce_container_ports: 'true' });
    expect(networkPortsOptions(f, Resources.parse('cpus:1;ports:[31000-31005,32000-32000]'))).toEqual({ intervalMs: 5000, enforce: true, isolatedRange: [[31000, 31005], [32000, 32000]] });
    expect(networkPortsOptions(agentFlags({ isolation: 'network/ports' }), Resources.parse('cpus:1'))).toEqual({ intervalMs: 30_000, enforce: false });
    expect(parsePortRanges('[0-35000]')).toEqual([[0, 35000]]);
  });

  test('bad values name the flag', () => {
    expect(() => agentFlags({ enforce_container_ports: 'true' })).toThrow('--enforce_container_ports is for the network/ports isolator: add it to --isolation');
    expect(() => agentFlags({ isolation: 'network/ports', container_ports_watch_interval: 'often' })).toThrow('--container_ports_watch_interval=often: expected a positive duration');
    expect(() => agentFlags({ isolation: 'network/ports', container_ports_isolated_range: '0-10' })).toThrow('--container_ports_isolated_range=0-10: expected ranges such as [0-35000]');
    expect(() => agentFlags({ isolation: 'network/ports', check_agent_port_range_only: 'true', container_ports_isolated_range: '[1-2]' })).toThrow('Only one of --check_agent_port_range_only or --container_ports_isolated_range');
  });
});
