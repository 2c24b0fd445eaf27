import { msp as mspProtos } from './protos';
import { equalBytes } from '../bytes';
import type { ChannelConfig, MspInfo } from './channel-config';
import { signatureProblem } from './ecdsa';
import { Certificate, text, x509 } from './platform';
import { decode } from './protobuf';

/** A Fabric identity as a transaction or block carries it (msp.SerializedIdentity). */
export interface Identity {
    mspId: string;
    /** The X.509 certificate, PEM. */
    certificate: string;
}

/** What an identity may be asked to be: Fabric's MSPRole types. */
export type Role = 'member' | 'admin' | 'client' | 'peer' | 'orderer';

/** The NodeOU roles; with NodeOUs enabled a valid identity holds exactly one. */
export const NODE_ROLES = ['client', 'peer', 'admin', 'orderer'] as const;

/** Longest chain followed from a certificate to a root CA (intermediates included). */
const MAX_CHAIN = 8;

/**
 * Every verified read checks the same few peers' and orderers' certificates again, and parsing
 * them and following their chains was half of a read's client CPU (docs/benchmarks.md), so both
 * are remembered: parsed certificates by PEM, identityProblem's verdicts per channel configuration.
 * Each cache holds at most CACHE_LIMIT entries and starts again when full.
 */
const CACHE_LIMIT = 256;
const certificates = new Map<string, Certificate | undefined>();
const verdicts = new WeakMap<ChannelConfig, Map<string, string | undefined>>();

function remembered<V>(cache: Map<string, V>, key: string, compute: () => V): V {
    if (cache.has(key)) {
        return cache.get(key) as V;
    }
    if (cache.size >= CACHE_LIMIT) {
        cache.clear();
    }
    const value = compute();
    cache.set(key, value);
    return value;
}

/** Decode a SerializedIdentity; BAD_PROTOBUF names `what`. */
export function decodeIdentity(bytes: Uint8Array, what: string): Identity {
    const identity = decode(mspProtos.SerializedIdentity, bytes, what);
    return { mspId: identity.getMspid(), certificate: text(identity.getIdBytes_asU8()) };
}

/** "Org1MSP CN=peer0.org1.example.com": who an identity is, for messages. */
export function describeIdentity(identity: Identity): string {
    const cn = parseCertificate(identity)
        ?.subject.split('\n')
        .find((line) => line.startsWith('CN='));
    return `${identity.mspId} ${cn ?? '(unreadable certificate)'}`;
}

/**
 * Why `identity` is not a valid `role` of its MSP in `config`, or undefined when it is, as a Fabric
 * MSP decides it: the MSP is one of the channel's, the certificate is not a CA and chains through
 * the MSP's intermediate CAs to one of its root CAs, and, when the MSP enables NodeOUs, the subject
 * holds exactly one node OU (issued directly by the OU identifier's CA when that names one), which
 * must be `role` (any for 'member'). Validity periods are not checked: Fabric's MSP checks a chain
 * as of the certificate's notBefore, and evidence must still verify once its certificates expired.
 * Revocation lists in the MSP configuration are not read.
 */
export function identityProblem(config: ChannelConfig, identity: Identity, role: Role): string | undefined {
    let known = verdicts.get(config);
    if (known === undefined) {
        verdicts.set(config, (known = new Map<string, string | undefined>()));
    }
    return remembered(known, `${role}\n${identity.mspId}\n${identity.certificate}`, () =>
        checkIdentity(config, identity, role),
    );
}

function checkIdentity(config: ChannelConfig, identity: Identity, role: Role): string | undefined {
    const msp = config.msps.get(identity.mspId);
    if (msp === undefined) {
        return `${identity.mspId} is not an organisation of channel ${config.channel}`;
    }
    const certificate = parseCertificate(identity);
    if (certificate === undefined) {
        return 'the certificate does not parse';
    }
    const chain = chainOf(msp, certificate);
    return typeof chain === 'string' ? chain : roleProblem(msp, certificate, chain, role);
}

/**
 * The role a node must hold to endorse or to sign blocks: `role` when its MSP enables NodeOUs; any
 * member otherwise, since such an MSP cannot tell peers, orderers and clients apart.
 */
export function nodeRole(config: ChannelConfig, mspId: string, role: 'peer' | 'orderer'): Role {
    return config.msps.get(mspId)?.nodeOUs === undefined ? 'member' : role;
}

/** Why `identity` is not a valid `role` of its MSP that signed `data` with `signature`, or undefined. */
export function signerProblem(
    config: ChannelConfig,
    identity: Identity,
    role: Role,
    data: Uint8Array,
    signature: Uint8Array,
): string | undefined {
    const problem = identityProblem(config, identity, role);
    if (problem !== undefined) {
        return problem;
    }
    // identityProblem parsed it already.
    return signatureProblem(parseCertificate(identity) as Certificate, data, signature);
}

function parseCertificate(identity: Identity): Certificate | undefined {
    return remembered(certificates, identity.certificate, () => x509().parse(identity.certificate));
}

/** The certificate, its intermediates and the root it chains to, or why there is no such chain. */
function chainOf(msp: MspInfo, certificate: Certificate): Certificate[] | string {
    if (certificate.ca) {
        return 'the certificate is a CA certificate, not an identity';
    }
    const chain = [certificate];
    for (let current = certificate; chain.length <= MAX_CHAIN;) {
        const root = msp.roots.find((ca) => issuedBy(current, ca));
        if (root !== undefined) {
            chain.push(root);
            return chain;
        }
        const intermediate = msp.intermediates.find((ca) => !chain.includes(ca) && issuedBy(current, ca));
        if (intermediate === undefined) {
            break;
        }
        chain.push(intermediate);
        current = intermediate;
    }
    return `the certificate does not chain to a CA of ${msp.id}`;
}

function issuedBy(certificate: Certificate, ca: Certificate): boolean {
    return ca.ca && x509().issuedBy(certificate, ca);
}

function roleProblem(msp: MspInfo, certificate: Certificate, chain: Certificate[], role: Role) {
    // Fabric's MSP also takes the admins listed in its configuration as admins.
    if (role === 'admin' && msp.admins.some((admin) => equalBytes(admin.raw, certificate.raw))) {
        return undefined;
    }
    const nodeOUs = msp.nodeOUs;
    if (nodeOUs === undefined) {
        return role === 'member' ? undefined : `${msp.id} does not enable NodeOUs, so no identity is known as ${role}`;
    }
    const ous = certificate.subject
        .split('\n')
        .filter((line) => line.startsWith('OU='))
        .map((line) => line.slice(3));
    const held = NODE_ROLES.filter((candidate) => {
        const identifier = nodeOUs[candidate];
        const issuer = identifier?.certificate;
        return (
            identifier !== undefined &&
            ous.includes(identifier.ou) &&
            (issuer === undefined || (chain[1] !== undefined && equalBytes(chain[1].raw, issuer.raw)))
        );
    });
    const [only] = held;
    if (only === undefined || held.length > 1) {
        return `the certificate holds ${held.length} node OUs of ${msp.id}, not exactly one`;
    }
    return role === 'member' || only === role ? undefined : `the certificate is a ${only} of ${msp.id}, not a ${role}`;
}
