import { KeyRecord, PartyRecord } from '@sealpact/protocol';

/** GetParty's answer: the party record, its keys, and whether it is verified now. */
export type PartyView = PartyRecord & { verified: boolean; keys: KeyRecord[] };

/** WhoAmI's answer. */
export interface WhoAmI {
    partyId: string;
    mspId: string;
    commonName: string;
    isAdmin: boolean;
    registered: boolean;
    nextKeySequence: number;
    channel: string;
    chaincode: string;
}
