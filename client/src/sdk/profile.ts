import { readFileSync } from 'node:fs';
import { SealpactError } from '@sealpact/chaincode/dist/lib/errors';

/**
 * The connection profile: where each organisation's gateway peer is, its TLS CA, and the
 * identities (MSP folders) that can act for it. `npm run network:up` writes one for the local
 * network to network/.data/connection.json; docs/sdk.md describes the format.
 */
export interface ConnectionProfile {
    channel: string;
    chaincode: string;
    orgs: Record<string, OrgProfile>;
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

/** An identity resolved from a profile: who it is and which peer it talks to. */
export interface ResolvedIdentity {
    name: string;
    mspId: string;
    org: OrgProfile;
    identity: IdentityProfile;
}

/** Read a connection profile; BAD_PROFILE names what is missing. */
export function loadProfile(path: string): ConnectionProfile {
    let text: string;
    try {
        text = readFileSync(path, 'utf8');
    } catch {
        throw new SealpactError(
            'NO_PROFILE',
            `cannot read the connection profile ${path}; is the network up (npm run network:up)?`,
        );
    }
    let profile: ConnectionProfile;
    try {
        profile = JSON.parse(text);
    } catch {
        throw new SealpactError('BAD_PROFILE', `${path} is not valid JSON`);
    }
    if (
        typeof profile?.channel !== 'string' ||
        typeof profile.chaincode !== 'string' ||
        typeof profile.orgs !== 'object'
    ) {
        throw new SealpactError('BAD_PROFILE', `${path} needs "channel", "chaincode" and "orgs"`);
    }
    return profile;
}

/**
 * Find an identity by name ("alice@org1.example.com"), optionally qualified by MSP
 * ("Org1MSP/alice@org1.example.com", the form of a party id).
 */
export function resolveIdentity(profile: ConnectionProfile, name: string): ResolvedIdentity {
    const slash = name.indexOf('/');
    const wantedMsp = slash >= 0 ? name.slice(0, slash) : undefined;
    const wantedName = slash >= 0 ? name.slice(slash + 1) : name;
    const matches = Object.values(profile.orgs)
        .filter((org) => wantedMsp === undefined || org.mspId === wantedMsp)
        .flatMap((org) => (org.identities[wantedName] ? [{ org, identity: org.identities[wantedName] }] : []));
    if (matches.length === 0) {
        const known = Object.values(profile.orgs).flatMap((org) =>
            Object.keys(org.identities).map((id) => `${org.mspId}/${id}`),
        );
        throw new SealpactError('UNKNOWN_IDENTITY', `no identity "${name}" in the profile; known: ${known.join(', ')}`);
    }
    if (matches.length > 1) {
        throw new SealpactError('AMBIGUOUS_IDENTITY', `"${name}" is in several organisations; qualify it as MSP/name`);
    }
    const [{ org, identity }] = matches;
    return { name: wantedName, mspId: org.mspId, org, identity };
}
