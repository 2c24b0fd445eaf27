export * from '@hyperledger/fabric-protos/lib/common/common_pb';
export * from '@hyperledger/fabric-protos/lib/common/configtx_pb';
export * from '@hyperledger/fabric-protos/lib/common/policies_pb';
export * from '@hyperledger/fabric-protos/lib/common/ledger_pb';
