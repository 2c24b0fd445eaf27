/**
 * @sealpact/protocol: what the chaincode and every client share, with no Node-only or Fabric
 * dependency: error codes and classes, canonical JSON, the strict DER reader, suites, ledger
 * records, contract plans, the signed statements, and public-key parsing with the key rule; and the
 * formats the Node SDK and the browser share over their own {@link Primitives}: drawing key points,
 * the file password, the container header, the ciphertext digest's framing, SM2 envelopes and the
 * commitment key.
 */
export * from './audit-trail';
export * from './bytes';
export * from './commitment';
export * from './container-format';
export * from './der';
export * from './drawing';
export * from './errors';
export * from './file-password';
export * from './json';
export * from './paging';
export * from './pkcs8';
export * from './plan';
export * from './primitives';
export * from './publickey';
export * from './records';
export * from './signing-plan';
export * from './sm2-envelope';
export * from './statements';
export * from './suites';
