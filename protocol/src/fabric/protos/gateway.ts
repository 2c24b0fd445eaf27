export * from '@hyperledger/fabric-protos/lib/gateway/gateway_pb';
