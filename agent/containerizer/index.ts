/** The agent's containerizer layer: see README.md. */
export * from './types.js';
export { Container, Containerizer, type ContainerizerOptions, type RecoveryResult } from './containerizer.js';
export { ForkServerLauncher } from './forkserver.js';
export { decodeWaitStatus } from './server-launcher.js';
export { HelperLauncher } from './helper.js';
export { findHelper } from './binaries.js';
export { exitRecordPath, readExitRecord } from './exit-record.js';
export { PosixLauncher, resolveUser, exitStatus, signalText, type Launcher, type LaunchSpec, type LaunchedProcess, type UserIds } from './launcher.js';
export {
  createSandbox,
  sandboxPath,
  executorDir,
  sandboxFiles,
  validatePathId,
  listSandboxes,
  gcSandboxes,
  gcDelayForDiskUsage,
  type Sandbox,
  type SandboxIds,
  type SandboxRun,
  type GcOptions,
} from './sandbox.js';
export {
  readCheckpoint,
  readTermination,
  validateCheckpoint,
  containerMetaDir,
  type ContainerCheckpoint,
} from './checkpoint.js';
export { detectResources, memoryAfterHeadroom, diskAfterHeadroom, type DetectedResources } from './detect.js';
export { discoverGpus, GpuAllocator, type GpuDevice } from './nvidia.js';
export {
  createIsolators,
  parseIsolationNames,
  probeCgroups,
  KNOWN_ISOLATORS,
  DEFAULT_ISOLATION,
  type Isolator,
  type IsolationOptions,
  type CgroupBackend,
} from './isolators/index.js';
