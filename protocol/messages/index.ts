export type * from './common.js';
export type * from './master-agent.js';
export type * from './master-scheduler.js';
export type * from './agent-executor.js';
export * from './schemas.js';
export * from './validate.js';
