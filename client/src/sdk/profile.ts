import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { ClientError } from '@sealpact/protocol';

/**
 * The connection profile: where each organisation's gateway peer is, its TLS CA, and the
 * identities (MSP folders) that can act for it. `npm run network:up` writes one for the local
 * network to network/.data/connection.json; docs/sdk.md describes the format.
 */
export interface ConnectionProfile {
    channel: string;
    chaincode: string;
    orgs: Record<string, OrgProfile>;
    /**
     * The channel's trust anchors for verified reads (docs/evidence.md): a folder of `<MSPID>.pem`
     * CA certificates (relative to the profile's folder), or SHA-256 fingerprints of them per MSP ID.
     */
    trustAnchors?: string | Record<string, string[]>;
}

export interface OrgProfile {
    name: string;
    mspId: string;
    peer: { name: string; endpoint: string; hostnameOverride?: string; tlsCACert: string };
    identities: Record<string, IdentityProfile>;
}

export interface IdentityProfile {
    role: string;
    /** The X.509 certificate (MSP signcert) as a PEM file path. */
    cert: string;
    /** The matching private key (MSP keystore) as a PEM file path. */
    key: string;
    /** The identity's MSP folder, for Fabric's own CLI (`CORE_PEER_MSPCONFIGPATH`). */
    msp?: string;
}

/**
 * Who to act as: a name in the profile ("alice@org1.example.com" or "Org1MSP/alice@org1.example.com"),
 * an MSP folder (signcerts/ and keystore/, as Fabric's tools write them), or an identity in a
 * wallet folder (`<label>.id`, the JSON of Fabric's Node SDK wallets). The organisation's peer
 * always comes from the profile, by MSP ID.
 */
export type IdentitySource = string | { mspId: string; mspDir: string } | { walletDir: string; label: string };

/** An identity ready to sign: its MSP, its organisation's peer, certificate and private key. */
export interface ResolvedIdentity {
    name: string;
    mspId: string;
    org: OrgProfile;
    certificate: Buffer;
    privateKey: Buffer;
}

/** Read a connection profile; BAD_PROFILE names what is missing. */
export function loadProfile(path: string): ConnectionProfile {
    let text: string;
    try {
        text = readFileSync(path, 'utf8');
    } catch {
        throw new ClientError(
            'NO_PROFILE',
            `cannot read the connection profile ${path}; is the network up (npm run network:up)?`,
        );
    }
    let parsed: unknown;
    try {
        parsed = JSON.parse(text);
    } catch {
        throw new ClientError('BAD_PROFILE', `${path} is not valid JSON`);
    }
    const profile = parsed as Partial<Record<keyof ConnectionProfile, unknown>> | null | undefined;
    if (
        typeof profile?.channel !== 'string' ||
        typeof profile.chaincode !== 'string' ||
        typeof profile.orgs !== 'object'
    ) {
        throw new ClientError('BAD_PROFILE', `${path} needs "channel", "chaincode" and "orgs"`);
    }
    const { trustAnchors } = profile as { trustAnchors?: unknown };
    if (typeof trustAnchors === 'string') {
        return { ...(parsed as ConnectionProfile), trustAnchors: resolve(dirname(path), trustAnchors) };
    }
    if (trustAnchors !== undefined && (typeof trustAnchors !== 'object' || trustAnchors === null)) {
        throw new ClientError('BAD_PROFILE', `${path}: "trustAnchors" must be a folder or fingerprints per MSP ID`);
    }
    return parsed as ConnectionProfile;
}

/** A fabric-network wallet's identity file, as far as read here (checked before use). */
interface WalletEntry {
    mspId?: string;
    type?: string;
    credentials?: { certificate?: string; privateKey?: string };
}

/** Resolve an identity source against a profile; errors name what is missing. */
export function resolveIdentity(profile: ConnectionProfile, source: IdentitySource): ResolvedIdentity {
    if (typeof source === 'string') {
        const { name, org, identity } = findByName(profile, source);
        return {
            name,
            mspId: org.mspId,
            org,
            certificate: readPem(identity.cert, `the certificate of ${name}`),
            privateKey: readPem(identity.key, `the private key of ${name}`),
        };
    }
    if ('mspDir' in source) {
        const pemIn = (folder: string) => {
            const dir = join(source.mspDir, folder);
            const files = listPem(dir);
            const [file, ...others] = files;
            if (file === undefined || others.length > 0) {
                throw new ClientError('BAD_IDENTITY', `${dir} must hold exactly one PEM file, not ${files.length}`);
            }
            return readPem(join(dir, file), `${folder} of the MSP folder ${source.mspDir}`);
        };
        return {
            name: source.mspDir,
            mspId: source.mspId,
            org: orgOf(profile, source.mspId),
            certificate: pemIn('signcerts'),
            privateKey: pemIn('keystore'),
        };
    }
    const path = join(source.walletDir, `${source.label}.id`);
    let entry: WalletEntry;
    try {
        entry = JSON.parse(readFileSync(path, 'utf8')) as WalletEntry;
    } catch {
        throw new ClientError('BAD_IDENTITY', `cannot read the wallet identity ${path} as JSON`);
    }
    const { certificate, privateKey } = entry.credentials ?? {};
    if (entry.type !== 'X.509' || typeof entry.mspId !== 'string' || !certificate || !privateKey) {
        throw new ClientError('BAD_IDENTITY', `${path} is not an X.509 wallet identity with mspId and credentials`);
    }
    return {
        name: source.label,
        mspId: entry.mspId,
        org: orgOf(profile, entry.mspId),
        certificate: Buffer.from(certificate),
        privateKey: Buffer.from(privateKey),
    };
}

function orgOf(profile: ConnectionProfile, mspId: string): OrgProfile {
    const org = Object.values(profile.orgs).find((candidate) => candidate.mspId === mspId);
    if (org === undefined) {
        throw new ClientError('UNKNOWN_IDENTITY', `the profile has no organisation ${mspId}`);
    }
    return org;
}

function listPem(dir: string): string[] {
    try {
        return readdirSync(dir).filter((name) => !name.startsWith('.'));
    } catch {
        throw new ClientError('BAD_IDENTITY', `cannot read the folder ${dir}`);
    }
}

/** Read a PEM file the profile names; BAD_PROFILE names what and where. */
export function readPem(path: string, what: string): Buffer {
    try {
        return readFileSync(path);
    } catch {
        throw new ClientError('BAD_PROFILE', `cannot read ${what} at ${path}`);
    }
}

/** Find an identity by name, optionally qualified by MSP ("Org1MSP/alice@org1.example.com", a party id's form). */
function findByName(
    profile: ConnectionProfile,
    name: string,
): { name: string; org: OrgProfile; identity: IdentityProfile } {
    const slash = name.indexOf('/');
    const wantedMsp = slash >= 0 ? name.slice(0, slash) : undefined;
    const wantedName = slash >= 0 ? name.slice(slash + 1) : name;
    const matches = Object.values(profile.orgs)
        .filter((org) => wantedMsp === undefined || org.mspId === wantedMsp)
        .flatMap((org) => (org.identities[wantedName] ? [{ org, identity: org.identities[wantedName] }] : []));
    const [match, ...others] = matches;
    if (match === undefined) {
        const known = Object.values(profile.orgs).flatMap((org) =>
            Object.keys(org.identities).map((id) => `${org.mspId}/${id}`),
        );
        throw new ClientError('UNKNOWN_IDENTITY', `no identity "${name}" in the profile; known: ${known.join(', ')}`);
    }
    if (others.length > 0) {
        throw new ClientError('AMBIGUOUS_IDENTITY', `"${name}" is in several organisations; qualify it as MSP/name`);
    }
    return { name: wantedName, org: match.org, identity: match.identity };
}
