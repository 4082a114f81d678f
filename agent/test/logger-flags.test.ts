import { describe, expect, test } from '@jest/globals';
import { agentFlags } from '../flags.js';
import { containerLoggerOptions } from '../logger-flags.js';

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
