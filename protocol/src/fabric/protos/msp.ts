export * from '@hyperledger/fabric-protos/lib/msp/identities_pb';
export * from '@hyperledger/fabric-protos/lib/msp/msp_config_pb';
export * from '@hyperledger/fabric-protos/lib/msp/msp_principal_pb';
