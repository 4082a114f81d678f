// Tests run the TypeScript sources directly: @swc/jest strips types (fast),
// while `make test` type-checks the whole tree with tsc beforehand.
//
// Two projects: `unit` (pure cores and in-process clusters on the virtual clock: run in parallel)
// and `processes` (tests that start OS processes: our programs from dist/, real tasks, a browser;
// run by `make test` in a second jest run with few workers, so they do not starve each other).
// `make test` runs both; `--selectProjects unit|processes` picks one.
const swc = ['@swc/jest', {
  jsc: { target: 'es2022', parser: { syntax: 'typescript' } },
  module: { type: 'es6' },
  sourceMaps: 'inline',
}];

/** Test files that start OS processes (keep in step when adding one: test/README.md). */
export const PROCESS_TESTS = [
  '<rootDir>/cli/test/cli.test.ts',
  '<rootDir>/cli/test/security.test.ts',
  '<rootDir>/cli/test/operator-commands.test.ts',
  '<rootDir>/cli/test/execute.test.ts',
  '<rootDir>/cli/test/execute-image.test.ts',
  '<rootDir>/cli/test/execute-gpus.test.ts',
  '<rootDir>/cli/test/mpiexec.test.ts',
  '<rootDir>/cli/test/mpiexec-netns.test.ts',
  '<rootDir>/examples/test/examples-cli.test.ts',
  '<rootDir>/examples/test/ping-pong.test.ts',
  '<rootDir>/examples/test/real-cluster.test.ts',
  '<rootDir>/examples/test/maintenance-real.test.ts',
  '<rootDir>/examples/test/kv-store.test.ts',
  '<rootDir>/test/integration/ha-failover.test.ts',
  '<rootDir>/test/integration/ha-busy-failover-real.test.ts',
  '<rootDir>/test/integration/packages.test.ts',
  '<rootDir>/master/log/test/processes.test.ts',
  '<rootDir>/master/webui/test/webui.test.ts',
  '<rootDir>/libprocess-ts/test/runtime-ws.test.ts',
  '<rootDir>/libprocess-ts/test/ws-processes.test.ts',
  '<rootDir>/agent/test/agent-real.test.ts',
  '<rootDir>/agent/test/agent-sigkill.test.ts',
  '<rootDir>/agent/test/agent-exit-record.test.ts',
  '<rootDir>/agent/test/agent-oom.test.ts',
  '<rootDir>/agent/test/agent-restart.test.ts',
  '<rootDir>/agent/test/agent-monitor-gc.test.ts',
  '<rootDir>/agent/test/http-executor-real.test.ts',
  '<rootDir>/agent/test/http-executor-auth.test.ts',
  '<rootDir>/agent/test/agent-switch-user.test.ts',
  '<rootDir>/agent/test/files-hardening.test.ts',
  '<rootDir>/agent/test/kill-container.test.ts',
  '<rootDir>/agent/test/nested-containers.test.ts',
  '<rootDir>/agent/test/task-group-real.test.ts',
  '<rootDir>/agent/test/task-group-restart.test.ts',
  '<rootDir>/agent/test/task-group-oom.test.ts',
  '<rootDir>/agent/test/shared-volume-real.test.ts',
  '<rootDir>/agent/test/nested-acls.test.ts',
  '<rootDir>/agent/test/agent-images.test.ts',
  '<rootDir>/agent/test/agent-isolators-real.test.ts',
  '<rootDir>/agent/test/executor-update.test.ts',
  '<rootDir>/agent/test/thread-pool.test.ts',
  '<rootDir>/agent/fetcher/test/fetcher-real.test.ts',
  '<rootDir>/agent/fetcher/test/extract.test.ts',
  '<rootDir>/agent/containerizer/test/*.test.ts',
  '<rootDir>/experiments/test/real.test.ts',
  '<rootDir>/cli/test/netns.test.ts',
  '<rootDir>/test/chaos/chaos.test.ts',
];

const common = {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': swc },
  moduleNameMapper: {
    '^libprocess-ts$': '<rootDir>/libprocess-ts/src/index.ts',
    '^libprocess-ts/testing$': '<rootDir>/libprocess-ts/src/testing.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  modulePathIgnorePatterns: ['<rootDir>/dist/', '<rootDir>/libprocess-ts/dist/'],
};

export default {
  testTimeout: 30000,
  // dist/ up to date for the process tests (they run the built JavaScript) when jest runs alone.
  globalSetup: '<rootDir>/test/jest/build.js',
  reporters: ['default', '<rootDir>/test/jest/skip-reporter.js'],
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/**/*.test.ts'], testPathIgnorePatterns: [...common.testPathIgnorePatterns, ...PROCESS_TESTS.map(toPattern)] },
    { ...common, displayName: 'processes', testMatch: PROCESS_TESTS },
  ],
};

/** A <rootDir> glob of PROCESS_TESTS as a path pattern (a regular expression). */
function toPattern(glob) {
  return glob.replace('<rootDir>', '').replace(/[.]/g, '\\.').replace('*', '[^/]*') + '$';
}
