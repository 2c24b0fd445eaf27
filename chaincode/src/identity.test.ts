import { expect } from '@jest/globals';
import { Context } from 'fabric-contract-api';
import { callerOf } from './identity';
import { testIdentities } from './test-support/fixtures';

/** Just what callerOf reads of a transaction context: its client identity. */
function contextOf(mspId: string, certificate: string): Context {
    const clientIdentity = {
        getMSPID: () => mspId,
        getIDBytes: () => Buffer.from(certificate),
        getID: () => `x509::subject of ${mspId}::issuer`,
    };
    return { clientIdentity } as unknown as Context;
}

describe('callerOf', () => {
    it('remembers a caller per MSP ID and certificate, never across MSP IDs', () => {
        const { certificate } = testIdentities().alice;
        const first = callerOf(contextOf('Org1MSP', certificate));
        expect(callerOf(contextOf('Org1MSP', certificate))).toEqual(first);
        const other = callerOf(contextOf('OtherMSP', certificate));
        expect(other.partyId).toBe('OtherMSP/alice@org1.example.com');
        expect(other.identityHash).not.toBe(first.identityHash);
        expect(callerOf(contextOf('Org1MSP', certificate)).partyId).toBe('Org1MSP/alice@org1.example.com');
    });
});
