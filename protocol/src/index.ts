/**
 * @sealpact/protocol: what the chaincode and every client share, with no Node-only or Fabric
 * dependency: error codes and classes, canonical JSON, the strict DER reader, suites, ledger
 * records, contract plans, the signed statements, and public-key parsing with the key rule.
 */
export * from './bytes';
export * from './der';
export * from './errors';
export * from './json';
export * from './plan';
export * from './publickey';
export * from './records';
export * from './statements';
export * from './suites';
