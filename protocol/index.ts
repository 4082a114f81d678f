/**
 * protocol/: the Mesos vocabulary shared by master, agents, executors and
 * frameworks. See README.md.
 */
export * from './errors.js';
export * from './credentials.js';
export * from './values.js';
export * from './roles.js';
export * from './ids.js';
export * from './resources.js';
export * from './attributes.js';
export * from './task-states.js';
export * from './types.js';
export * from './scheduler.js';
export type * from './messages/index.js';
export * as json from './json/index.js';
export * as proto from './proto/index.js';
export { MessageValidator, validated, type OnInvalid } from './messages/validate.js';
export * from './messages/schemas.js';
