// Minimal typings for the fabric-shim internals and protobuf runtime the test peer drives.

declare module 'fabric-shim/lib/contract-spi/chaincodefromcontract' {
    import { ChaincodeInterface } from 'fabric-shim';
    class ChaincodeFromContract implements ChaincodeInterface {
        constructor(
            contracts: unknown[],
            serializers: { transaction: string; serializers: Record<string, unknown> },
            metadata: object,
            title: string,
            version: string,
        );
        Init: ChaincodeInterface['Init'];
        Invoke: ChaincodeInterface['Invoke'];
    }
    export = ChaincodeFromContract;
}

declare module 'google-protobuf/google/protobuf/timestamp_pb' {
    export class Timestamp {
        setSeconds(seconds: number): void;
        setNanos(nanos: number): void;
    }
}

declare module 'fabric-shim/lib/iterators' {
    import { Iterators } from 'fabric-shim';
    export class StateQueryIterator implements Iterators.StateQueryIterator {
        constructor(handler: object, channelId: string, txId: string, response: object);
        close(): Promise<void>;
        next(): Promise<Iterators.NextResult<Iterators.KV>>;
    }
    export class HistoryQueryIterator implements Iterators.HistoryQueryIterator {
        constructor(handler: object, channelId: string, txId: string, response: object);
        close(): Promise<void>;
        next(): Promise<Iterators.NextResult<Iterators.KeyModification>>;
    }
}

declare module 'fabric-shim/lib/stub' {
    import { ChaincodeStub as ShimStub } from 'fabric-shim';
    import { peer } from '@hyperledger/fabric-protos';
    class ChaincodeStub extends ShimStub {
        constructor(
            handler: object,
            channelId: string,
            txId: string,
            input: peer.ChaincodeInput,
            signedProposal: peer.SignedProposal,
        );
        /** The last event set by the chaincode (fabric-shim keeps only one). */
        chaincodeEvent?: peer.ChaincodeEvent;
    }
    export = ChaincodeStub;
}
