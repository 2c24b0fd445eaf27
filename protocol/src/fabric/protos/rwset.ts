export * from '@hyperledger/fabric-protos/lib/ledger/rwset/rwset_pb';
export * as kvrwset from '@hyperledger/fabric-protos/lib/ledger/rwset/kvrwset/kv_rwset_pb';
