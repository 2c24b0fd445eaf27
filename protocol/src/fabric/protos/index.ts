/**
 * The Fabric messages the checks decode, from @hyperledger/fabric-protos' generated modules one
 * by one: the package's index also loads its gRPC service stubs (@grpc/grpc-js, Node only), which
 * a browser bundle cannot hold. Namespaced as the package's index names them.
 */
export * as common from './common';
export * as gateway from './gateway';
export * as msp from './msp';
export * as peer from './peer';
export * as ledger from './ledger';
