export * from '@hyperledger/fabric-protos/lib/peer/proposal_pb';
export * from '@hyperledger/fabric-protos/lib/peer/proposal_response_pb';
export * from '@hyperledger/fabric-protos/lib/peer/transaction_pb';
export * from '@hyperledger/fabric-protos/lib/peer/chaincode_pb';
export * from '@hyperledger/fabric-protos/lib/peer/chaincode_event_pb';
