import { createHash, X509Certificate } from 'node:crypto';
import { Context } from 'fabric-contract-api';
import { ChaincodeError } from '@sealpact/protocol';

/** Who submitted the transaction, as read from its Fabric client identity (never from an argument). */
export interface Caller {
    /** `<MSP ID>/<certificate CN>`, e.g. `Org2MSP/bob@org2.example.com`. */
    partyId: string;
    mspId: string;
    commonName: string;
    /** Hex SHA-256 of "<MSP ID>\n<Fabric client id>"; the client id names the subject and issuer DNs. */
    identityHash: string;
    /** The Fabric NodeOU in the certificate subject (`OU=admin`, `client`, `peer` or `orderer`), or null. */
    nodeOu: NodeOu | null;
    /** True when the NodeOU is `admin`. */
    isAdmin: boolean;
}

const NODE_OUS = ['admin', 'client', 'peer', 'orderer'] as const;
export type NodeOu = (typeof NODE_OUS)[number];

const MSP_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const COMMON_NAME = /^[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}$/;

/**
 * Callers already derived, by MSP ID and certificate bytes: parsing a certificate costs more than
 * the rest of a ShareFile endorsement, and a server sees the same few clients again and again. A
 * Caller is a function of those two alone, so a remembered one is the one parsing would give.
 */
const known = new Map<string, Readonly<Caller>>();
const KNOWN_LIMIT = 1024;

export function callerOf(ctx: Context): Caller {
    const mspId = ctx.clientIdentity.getMSPID();
    const certificateBytes = Buffer.from(ctx.clientIdentity.getIDBytes());
    const key = `${mspId}\n${certificateBytes.toString('base64')}`;
    let caller = known.get(key);
    if (caller === undefined) {
        caller = Object.freeze(parseCaller(ctx, mspId, certificateBytes));
        if (known.size >= KNOWN_LIMIT) known.clear();
        known.set(key, caller);
    }
    return caller;
}

/** The Caller of a certificate; throws BAD_IDENTITY (and then nothing is remembered). */
function parseCaller(ctx: Context, mspId: string, certificateBytes: Buffer): Caller {
    const certificate = new X509Certificate(certificateBytes);
    const subject = certificate.subject.split('\n');
    const commonNames = subject.filter((line) => line.startsWith('CN=')).map((line) => line.slice(3));
    if (!MSP_ID.test(mspId)) {
        throw new ChaincodeError('BAD_IDENTITY', `MSP ID "${mspId}" is not usable in a party id`);
    }
    const [commonName, ...otherCommonNames] = commonNames;
    if (commonName === undefined || otherCommonNames.length > 0 || !COMMON_NAME.test(commonName)) {
        throw new ChaincodeError(
            'BAD_IDENTITY',
            'the client certificate needs exactly one CN of letters, digits and . _ @ + - (at most 128)',
        );
    }
    const identityHash = createHash('sha256').update(`${mspId}\n${ctx.clientIdentity.getID()}`).digest('hex');
    const nodeOu = NODE_OUS.find((ou) => subject.includes(`OU=${ou}`)) ?? null;
    return {
        partyId: `${mspId}/${commonName}`,
        mspId,
        commonName,
        identityHash,
        nodeOu,
        isAdmin: nodeOu === 'admin',
    };
}
