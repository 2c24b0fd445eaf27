/**
 * Checks of Fabric's blocks, channel configurations, transactions and endorsements against trust
 * anchors, for the SDK and the browser alike (docs/evidence.md). A submodule of its own, not in the
 * package's index: it brings @hyperledger/fabric-protos, which the chaincode does not need.
 * Each platform calls useX509Platform first (platform.ts).
 */
export * from './blocks';
export * from './channel-config';
export * from './der';
export * from './ecdsa';
export * from './identity';
export * from './platform';
export * from './protobuf';
export * from './transactions';
export * from './trust-anchors';
export * from './verified-read';
