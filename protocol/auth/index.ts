/** Authentication and authorization shared by master and agent: see protocol/README.md. */
export * from './acls.js';
export * from './authorizer.js';
export * from './basic.js';
export * from './http.js';
