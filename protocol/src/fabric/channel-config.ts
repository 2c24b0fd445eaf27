import { EvidenceError } from '../errors';
import { DecodedBlock, verifyBlockSignature, verifyChain, verifyDataHash } from './blocks';
import { Identity, identityProblem, Role } from './identity';
import { Certificate, x509 } from './platform';
import { common, msp as mspProtos } from './protos';
import { decode, protoMap, required } from './protobuf';
import { fingerprint, TrustAnchors } from './trust-anchors';

/** One organisation's X.509 MSP as the channel configuration defines it. */
export interface MspInfo {
    id: string;
    kind: 'application' | 'orderer';
    roots: Certificate[];
    intermediates: Certificate[];
    /** Certificates the MSP lists as admins (besides the admin NodeOU). */
    admins: Certificate[];
    /** The node OU identifiers, when the MSP enables NodeOUs. */
    nodeOUs?: Partial<Record<'client' | 'peer' | 'admin' | 'orderer', OuIdentifier>>;
}

export interface OuIdentifier {
    ou: string;
    /** The CA the identity must be issued under, when the identifier names one. */
    certificate?: Certificate;
}

/** A MSPPrincipal of classification ROLE: `Org1MSP.peer`. */
export interface Principal {
    mspId: string;
    role: Role;
}

/** A SignaturePolicy rule: the principal at an index signed, or n of the rules hold. */
export type SignatureRule = { signedBy: number } | { outOf: number; rules: SignatureRule[] };

/** A SignaturePolicyEnvelope such as `OR('Org1MSP.peer')`. */
export interface SignaturePolicy {
    rule: SignatureRule;
    principals: Principal[];
}

/**
 * The channel's endorsement policy, /Channel/Application/Endorsement: an ImplicitMetaPolicy whose
 * `rule` applies to the application organisations' own policies named `subPolicy`.
 */
export interface EndorsementPolicy {
    rule: 'ANY' | 'ALL' | 'MAJORITY';
    subPolicy: string;
    orgPolicies: { org: string; mspId: string; policy: SignaturePolicy }[];
}

/** What a channel configuration block says, once it matched the trust anchors. */
export interface ChannelConfig {
    channel: string;
    /** The configuration block's number. */
    blockNumber: number;
    /** The configuration's sequence (how many updates it has had). */
    sequence: number;
    msps: ReadonlyMap<string, MspInfo>;
    applicationOrgs: string[];
    ordererOrgs: string[];
    endorsementPolicy: EndorsementPolicy;
}

const RULES = ['ANY', 'ALL', 'MAJORITY'] as const;
/** msp.MSPRole.MSPRoleType by number. */
const ROLES: Role[] = ['member', 'admin', 'client', 'peer', 'orderer'];
const ENDORSEMENT = 'Endorsement';

/**
 * Read the configuration of a channel from its configuration block, believed only when:
 * - its data hash covers its envelope (BAD_BLOCK otherwise: the signed header would vouch for nothing);
 * - every organisation's root CA certificates are among the trust anchors of its MSP ID, and every
 *   anchored MSP is in the configuration (otherwise UNTRUSTED_CONFIG naming the MSP);
 * - the block carries an orderer signature that verifies against the orderer organisations of the
 *   configuration it holds. The genesis block has none (configtxgen writes it; orderers do not sign
 *   it), so it is believed through `successor`, block 1 (a header is enough): it must chain to the
 *   genesis block and carry such a signature. Without it the genesis block is UNTRUSTED_CONFIG:
 *   its policies would rest on nothing but its CA certificates.
 * Not a configuration block (one CONFIG envelope): UNTRUSTED_CONFIG.
 */
export function readChannelConfig(block: DecodedBlock, anchors: TrustAnchors, successor?: DecodedBlock): ChannelConfig {
    // The orderers sign the header only: the configuration is theirs only if the data hash holds.
    // (A header-only block has no configuration at all: configEnvelopeOf refuses it below.)
    if (block.data.length > 0) {
        verifyDataHash(block);
    }
    const { channel, config: envelopeConfig } = configEnvelopeOf(block);
    const config = required(envelopeConfig.getConfig(), `block ${block.number}'s configuration`);
    const groups = protoMap<common.ConfigGroup>(
        required(config.getChannelGroup(), `block ${block.number}'s channel group`).getGroupsMap(),
    );
    const application = orgsOf(groups.get('Application'), 'Application', block.number);
    const orderer = orgsOf(groups.get('Orderer'), 'Orderer', block.number);
    const msps = new Map<string, MspInfo>();
    for (const org of [...application.orgs, ...orderer.orgs]) {
        if (msps.has(org.msp.id)) {
            throw new EvidenceError(
                'UNTRUSTED_CONFIG',
                `${org.msp.id} appears twice in block ${block.number}'s configuration`,
            );
        }
        msps.set(org.msp.id, org.msp);
    }
    const channelConfig: ChannelConfig = {
        channel,
        blockNumber: block.number,
        sequence: config.getSequence(),
        msps,
        applicationOrgs: application.orgs.map((org) => org.msp.id),
        ordererOrgs: orderer.orgs.map((org) => org.msp.id),
        endorsementPolicy: endorsementPolicyOf(application, block.number),
    };
    checkAnchors(channelConfig, anchors);
    if (block.number === 0 && block.signatures.length === 0) {
        if (successor === undefined) {
            throw new EvidenceError(
                'UNTRUSTED_CONFIG',
                'the genesis block carries no orderer signature; it is believed only with block 1, which must chain to it',
            );
        }
        verifyChain([block, successor]);
        verifyBlockSignature(successor, channelConfig);
    } else {
        verifyBlockSignature(block, channelConfig);
    }
    return channelConfig;
}

/**
 * Whether `endorsers` (identities whose signatures were checked) satisfy the channel's endorsement
 * policy, evaluated as Fabric does: each organisation policy over the distinct identities, each
 * identity counted once per policy; then ANY, ALL or MAJORITY of those policies.
 */
export function satisfiesEndorsementPolicy(config: ChannelConfig, endorsers: Identity[]): boolean {
    const { rule, orgPolicies } = config.endorsementPolicy;
    const distinct = endorsers.filter(
        (identity, i) =>
            endorsers.findIndex(
                (other) => other.mspId === identity.mspId && other.certificate === identity.certificate,
            ) === i,
    );
    const satisfied = orgPolicies.filter(({ policy }) =>
        satisfiesRule(
            config,
            policy,
            policy.rule,
            distinct,
            distinct.map(() => false),
        ),
    ).length;
    return satisfied >= threshold(rule, orgPolicies.length);
}

/** "MAJORITY (3 of 4) of the Endorsement policies of Org1MSP, Org2MSP, …": the policy, for messages. */
export function describeEndorsementPolicy(config: ChannelConfig): string {
    const { rule, subPolicy, orgPolicies } = config.endorsementPolicy;
    const orgs = orgPolicies.map((org) => org.mspId).join(', ');
    return `${rule} (${threshold(rule, orgPolicies.length)} of ${orgPolicies.length}) of the ${subPolicy} policies of ${orgs}`;
}

/** How many sub-policies an ImplicitMetaPolicy rule needs (Fabric's implicitmeta). */
export function threshold(rule: EndorsementPolicy['rule'], count: number): number {
    return rule === 'ANY' ? 1 : rule === 'ALL' ? count : Math.floor(count / 2) + 1;
}

/** Fabric's cauthdsl: `used` marks identities already counted by this policy's rules. */
function satisfiesRule(
    config: ChannelConfig,
    policy: SignaturePolicy,
    rule: SignatureRule,
    identities: Identity[],
    used: boolean[],
): boolean {
    if ('signedBy' in rule) {
        const principal = policy.principals[rule.signedBy];
        const index = identities.findIndex(
            (identity, i) =>
                used[i] !== true &&
                identity.mspId === principal?.mspId &&
                identityProblem(config, identity, principal.role) === undefined,
        );
        if (index >= 0) {
            used[index] = true;
        }
        return index >= 0;
    }
    let holding = 0;
    for (const sub of rule.rules) {
        const trial = [...used];
        if (satisfiesRule(config, policy, sub, identities, trial)) {
            holding++;
            used.splice(0, used.length, ...trial);
        }
    }
    return holding >= rule.outOf;
}

function configEnvelopeOf(block: DecodedBlock): { channel: string; config: common.ConfigEnvelope } {
    const [data, ...more] = block.data;
    const notConfig = () => new EvidenceError('UNTRUSTED_CONFIG', `block ${block.number} is not a configuration block`);
    if (data === undefined || more.length > 0) {
        throw notConfig();
    }
    const payload = decode(
        common.Payload,
        decode(common.Envelope, data, `block ${block.number}'s envelope`).getPayload_asU8(),
        `block ${block.number}'s payload`,
    );
    const header = required(payload.getHeader(), `block ${block.number}'s payload header`);
    const channelHeader = decode(
        common.ChannelHeader,
        header.getChannelHeader_asU8(),
        `block ${block.number}'s channel header`,
    );
    if (channelHeader.getType() !== common.HeaderType.CONFIG) {
        throw notConfig();
    }
    return {
        channel: channelHeader.getChannelId(),
        config: decode(common.ConfigEnvelope, payload.getData_asU8(), `block ${block.number}'s configuration`),
    };
}

/** An Application or Orderer group, with its organisations' MSPs (sorted by organisation name). */
interface OrgsGroup {
    group: common.ConfigGroup;
    orgs: { org: string; group: common.ConfigGroup; msp: MspInfo }[];
}

function orgsOf(
    group: common.ConfigGroup | undefined,
    name: 'Application' | 'Orderer',
    blockNumber: number,
): OrgsGroup {
    if (group === undefined) {
        throw new EvidenceError('UNTRUSTED_CONFIG', `block ${blockNumber}'s configuration has no ${name} group`);
    }
    const kind = name === 'Application' ? 'application' : 'orderer';
    const orgs = [...protoMap<common.ConfigGroup>(group.getGroupsMap()).entries()]
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([org, orgGroup]) => ({ org, group: orgGroup, msp: mspOf(orgGroup, org, kind) }));
    return { group, orgs };
}

function mspOf(group: common.ConfigGroup, org: string, kind: MspInfo['kind']): MspInfo {
    const value = required(protoMap<common.ConfigValue>(group.getValuesMap()).get('MSP'), `organisation ${org}'s MSP`);
    const config = decode(mspProtos.MSPConfig, value.getValue_asU8(), `organisation ${org}'s MSP`);
    if (config.getType() !== 0) {
        throw new EvidenceError('UNTRUSTED_CONFIG', `organisation ${org}'s MSP is not an X.509 (FABRIC) MSP`);
    }
    const fabric = decode(mspProtos.FabricMSPConfig, config.getConfig_asU8(), `organisation ${org}'s MSP`);
    const id = fabric.getName();
    const certificates = (list: Uint8Array[], what: string) => list.map((pem) => certificate(pem, `${what} of ${id}`));
    const nodeOUs = fabric.getFabricNodeOus();
    return {
        id,
        kind,
        roots: certificates(fabric.getRootCertsList_asU8(), 'a root CA'),
        intermediates: certificates(fabric.getIntermediateCertsList_asU8(), 'an intermediate CA'),
        admins: certificates(fabric.getAdminsList_asU8(), 'an admin'),
        nodeOUs: nodeOUs?.getEnable()
            ? {
                  client: ouIdentifier(nodeOUs.getClientOuIdentifier(), id),
                  peer: ouIdentifier(nodeOUs.getPeerOuIdentifier(), id),
                  admin: ouIdentifier(nodeOUs.getAdminOuIdentifier(), id),
                  orderer: ouIdentifier(nodeOUs.getOrdererOuIdentifier(), id),
              }
            : undefined,
    };
}

function ouIdentifier(identifier: mspProtos.FabricOUIdentifier | undefined, id: string): OuIdentifier | undefined {
    if (identifier === undefined) {
        return undefined;
    }
    const pem = identifier.getCertificate_asU8();
    return {
        ou: identifier.getOrganizationalUnitIdentifier(),
        certificate: pem.length > 0 ? certificate(pem, `a node OU CA of ${id}`) : undefined,
    };
}

function certificate(pem: Uint8Array, what: string): Certificate {
    const parsed = x509().parse(pem);
    if (parsed === undefined) {
        throw new EvidenceError('UNTRUSTED_CONFIG', `${what} is not an X.509 certificate`);
    }
    return parsed;
}

function endorsementPolicyOf(application: OrgsGroup, blockNumber: number): EndorsementPolicy {
    const where = `block ${blockNumber}'s /Channel/Application/${ENDORSEMENT} policy`;
    const policy = required(
        protoMap<common.ConfigPolicy>(application.group.getPoliciesMap()).get(ENDORSEMENT)?.getPolicy(),
        where,
    );
    if (policy.getType() !== common.Policy.PolicyType.IMPLICIT_META) {
        throw new EvidenceError('UNTRUSTED_CONFIG', `${where} is not an implicit meta policy`);
    }
    const meta = decode(common.ImplicitMetaPolicy, policy.getValue_asU8(), where);
    const rule = required(RULES[meta.getRule()], `${where}'s rule`);
    const subPolicy = meta.getSubPolicy();
    // As Fabric, organisations without a policy of that name do not count.
    const orgPolicies = application.orgs.flatMap(({ org, group, msp }) => {
        const own = protoMap<common.ConfigPolicy>(group.getPoliciesMap()).get(subPolicy)?.getPolicy();
        const what = `${msp.id}'s ${subPolicy} policy`;
        return own === undefined ? [] : [{ org, mspId: msp.id, policy: signaturePolicyOf(own, what) }];
    });
    // Fabric's threshold for no sub-policy is 0: anything would satisfy it.
    if (orgPolicies.length === 0) {
        throw new EvidenceError('UNTRUSTED_CONFIG', `${where} refers to no organisation's ${subPolicy} policy`);
    }
    return { rule, subPolicy, orgPolicies };
}

function signaturePolicyOf(policy: common.Policy, what: string): SignaturePolicy {
    if (policy.getType() !== common.Policy.PolicyType.SIGNATURE) {
        throw new EvidenceError('UNTRUSTED_CONFIG', `${what} is not a signature policy`);
    }
    const envelope = decode(common.SignaturePolicyEnvelope, policy.getValue_asU8(), what);
    const principals = envelope.getIdentitiesList().map((principal) => {
        if (principal.getPrincipalClassification() !== mspProtos.MSPPrincipal.Classification.ROLE) {
            throw new EvidenceError('UNTRUSTED_CONFIG', `${what} names a principal that is not an MSP role`);
        }
        const role = decode(mspProtos.MSPRole, principal.getPrincipal_asU8(), `a principal of ${what}`);
        return { mspId: role.getMspIdentifier(), role: required(ROLES[role.getRole()], `a role of ${what}`) };
    });
    return { rule: ruleOf(required(envelope.getRule(), `${what}'s rule`), principals.length, what), principals };
}

function ruleOf(rule: common.SignaturePolicy, principals: number, what: string): SignatureRule {
    switch (rule.getTypeCase()) {
        case common.SignaturePolicy.TypeCase.SIGNED_BY: {
            const signedBy = rule.getSignedBy();
            if (signedBy < 0 || signedBy >= principals) {
                throw new EvidenceError(
                    'BAD_PROTOBUF',
                    `${what} refers to principal ${signedBy}, which it does not list`,
                );
            }
            return { signedBy };
        }
        case common.SignaturePolicy.TypeCase.N_OUT_OF: {
            const nOutOf = required(rule.getNOutOf(), `${what}'s n-out-of rule`);
            return { outOf: nOutOf.getN(), rules: nOutOf.getRulesList().map((sub) => ruleOf(sub, principals, what)) };
        }
        default:
            throw new EvidenceError('BAD_PROTOBUF', `${what} has a rule of no type`);
    }
}

function checkAnchors(config: ChannelConfig, anchors: TrustAnchors): void {
    for (const msp of config.msps.values()) {
        const pinned = anchors.get(msp.id);
        if (pinned === undefined) {
            throw new EvidenceError(
                'UNTRUSTED_CONFIG',
                `${msp.id} is in the channel configuration but has no trust anchor`,
            );
        }
        const stranger = msp.roots.map(fingerprint).find((root) => !pinned.has(root));
        if (stranger !== undefined) {
            throw new EvidenceError(
                'UNTRUSTED_CONFIG',
                `a root CA of ${msp.id} in the channel configuration (SHA-256 ${stranger}) is not among its trust anchors`,
            );
        }
    }
    for (const mspId of anchors.keys()) {
        if (!config.msps.has(mspId)) {
            throw new EvidenceError(
                'UNTRUSTED_CONFIG',
                `${mspId} has trust anchors but is not in the channel configuration`,
            );
        }
    }
}
