import { common } from '@hyperledger/fabric-protos';
import { defined } from '../../../protocol/src/test-support/defined';
import { ErrorCode } from '@sealpact/protocol';
import { expectError } from '../../../protocol/src/test-support/expect-error';
import {
    anchors,
    blockOne,
    chain,
    channelConfig,
    flip,
    forgeConfigBlock,
    genesis,
    registerKeys,
    configGroup,
    editMsp,
    editPolicy,
    replaceRootCa,
    serializedIdentity,
    setEndorsementRule,
    signLowS,
    strangerConfig,
    STRANGER_CA,
    STRANGER_CA_FINGERPRINT,
    anchorsWithStranger,
    strangerSigned,
    strangerPeer,
} from '../test-support/verify-fixtures';
import { DecodedBlock, decodeBlock } from './blocks';
import { readChannelConfig, satisfiesEndorsementPolicy } from './channel-config';
import { identityProblem } from './identity';
import { verifyEndorsements } from './transactions';

const config = channelConfig();
const { transaction: tx } = registerKeys();
const endorsers = tx.endorsements.map((e) => e.endorser);
const STRANGER = STRANGER_CA_FINGERPRINT;
const APPLICATION = ['AuditorOrgMSP', 'AuthorityOrgMSP', 'Org1MSP', 'Org2MSP'];

/** Org1's CA and the orderers' CA replaced by the stranger's: the stranger then signs for both. */
const takeover = strangerSigned((group) => {
    replaceRootCa(group, 'Application', 'Org1', STRANGER_CA);
    replaceRootCa(group, 'Orderer', 'OrdererOrg', STRANGER_CA);
});

describe('readChannelConfig on the real genesis block', () => {
    it('reads the organisations, their MSPs and NodeOUs', () => {
        expect(config.channel).toBe('contracts');
        expect(config.blockNumber).toBe(0);
        expect(config.sequence).toBe(0);
        expect(config.applicationOrgs).toEqual(APPLICATION);
        expect(config.ordererOrgs).toEqual(['OrdererMSP']);
        for (const msp of config.msps.values()) {
            expect(msp.kind).toBe(msp.id === 'OrdererMSP' ? 'orderer' : 'application');
            expect(msp.roots).toHaveLength(1);
            expect(msp.intermediates).toHaveLength(0);
            expect(msp.nodeOUs?.peer?.ou).toBe('peer');
            expect(msp.nodeOUs?.orderer?.ou).toBe('orderer');
            expect(msp.nodeOUs?.peer?.certificate?.raw).toEqual(msp.roots[0]?.raw);
        }
    });

    it('reads the endorsement policy from the configuration: MAJORITY of the Endorsement OR(peer) policies', () => {
        expect(config.endorsementPolicy.rule).toBe('MAJORITY');
        expect(config.endorsementPolicy.subPolicy).toBe('Endorsement');
        expect(config.endorsementPolicy.orgPolicies).toEqual(
            APPLICATION.map((mspId) => ({
                org: mspId.replace(/MSP$/, ''),
                mspId,
                policy: { rule: { outOf: 1, rules: [{ signedBy: 0 }] }, principals: [{ mspId, role: 'peer' }] },
            })),
        );
    });

    it('checks identities against the configuration: peers, orderers, clients and admins by NodeOU', () => {
        const [endorser] = endorsers as [(typeof endorsers)[number]];
        expect(identityProblem(config, endorser, 'peer')).toBeUndefined();
        expect(identityProblem(config, endorser, 'member')).toBeUndefined();
        expect(identityProblem(config, endorser, 'client')).toBe(
            `the certificate is a peer of ${endorser.mspId}, not a client`,
        );
        expect(identityProblem(config, tx.creator, 'admin')).toBeUndefined();
        const orderer = defined(chain()[0]?.signatures[0]?.creator, 'an orderer signer');
        expect(identityProblem(config, orderer, 'orderer')).toBeUndefined();
        expect(identityProblem(config, orderer, 'peer')).toBe('the certificate is a orderer of OrdererMSP, not a peer');
    });
});

describe('satisfiesEndorsementPolicy', () => {
    it('is satisfied by three of the four organisations, not by two', () => {
        expect(satisfiesEndorsementPolicy(config, endorsers)).toBe(true);
        expect(satisfiesEndorsementPolicy(config, endorsers.slice(1))).toBe(false);
        expect(satisfiesEndorsementPolicy(config, [...endorsers.slice(1), ...endorsers.slice(1)])).toBe(false);
    });

    it('follows the rule the configuration holds (ANY, ALL), not an assumed MAJORITY', () => {
        const any = readChannelConfig(
            strangerSigned((group) => {
                replaceRootCa(group, 'Orderer', 'OrdererOrg', STRANGER_CA);
                setEndorsementRule(group, 0);
            }),
            anchorsWithStranger('OrdererMSP'),
        );
        expect(any.endorsementPolicy.rule).toBe('ANY');
        expect(satisfiesEndorsementPolicy(any, endorsers.slice(0, 1))).toBe(true);
        const all = readChannelConfig(
            strangerSigned((group) => {
                replaceRootCa(group, 'Orderer', 'OrdererOrg', STRANGER_CA);
                setEndorsementRule(group, 1);
            }),
            anchorsWithStranger('OrdererMSP'),
        );
        expect(all.endorsementPolicy.rule).toBe('ALL');
        expect(satisfiesEndorsementPolicy(all, endorsers)).toBe(false);
        expectError(() => verifyEndorsements(tx, all), 'POLICY_NOT_SATISFIED', /the policy needs ALL \(4 of 4\)/);
    });
});

describe('readChannelConfig against the trust anchors', () => {
    it("refuses a configuration whose Org1 CA is a stranger's, signed by a stranger orderer, with UNTRUSTED_CONFIG", () => {
        expectError(
            () => readChannelConfig(takeover, anchors()),
            'UNTRUSTED_CONFIG',
            `a root CA of Org1MSP in the channel configuration (SHA-256 ${STRANGER}) is not among its trust anchors`,
        );
    });

    it('believes that configuration only with anchors pinning the stranger, and then its peers endorse for Org1', () => {
        // The forgery is otherwise sound: only the anchors stood in its way.
        const forged = readChannelConfig(takeover, anchorsWithStranger('Org1MSP', 'OrdererMSP'));
        const endorserBytes = serializedIdentity('Org1MSP', strangerPeer.certificate);
        const stranger = {
            endorser: { mspId: 'Org1MSP', certificate: strangerPeer.certificate },
            endorserBytes,
            signature: signLowS(strangerPeer, Buffer.concat([tx.proposalResponsePayload, endorserBytes])),
        };
        const endorsements = [...tx.endorsements.filter((e) => e.endorser.mspId !== 'Org1MSP'), stranger];
        expect(verifyEndorsements({ ...tx, endorsements }, forged).orgs).toContain('Org1MSP');
        expectError(() => verifyEndorsements({ ...tx, endorsements }, config), 'BAD_ENDORSEMENT', /does not chain/);
    });

    it('refuses a configuration with an organisation that has no anchor, naming it', () => {
        const partial = new Map([...anchors()].filter(([mspId]) => mspId !== 'AuditorOrgMSP'));
        expectError(
            () => readChannelConfig(genesis(), partial, blockOne()),
            'UNTRUSTED_CONFIG',
            'AuditorOrgMSP is in the channel configuration but has no trust anchor',
        );
    });

    it('refuses a configuration without an anchored organisation, naming it', () => {
        const extra = new Map([...anchors(), ['StrangerMSP', new Set([STRANGER])]]);
        expectError(
            () => readChannelConfig(genesis(), extra, blockOne()),
            'UNTRUSTED_CONFIG',
            'StrangerMSP has trust anchors but is not in the channel configuration',
        );
    });

    it('refuses a configuration swapped under a genuine signed header with BAD_BLOCK (the data hash)', () => {
        const block = genesis();
        const [envelope] = block.data as [Buffer];
        const forged = Buffer.from(envelope);
        forged.writeUInt8(forged.readUInt8(forged.length - 40) ^ 0x01, forged.length - 40);
        expectError(
            () => readChannelConfig({ ...block, data: [forged] }, anchors(), blockOne()),
            'BAD_BLOCK',
            'data hash',
        );
    });

    it('refuses a block that is not a configuration block with UNTRUSTED_CONFIG', () => {
        const [block] = chain() as [DecodedBlock];
        expectError(
            () => readChannelConfig(block, anchors()),
            'UNTRUSTED_CONFIG',
            `block ${block.number} is not a configuration block`,
        );
        expectError(
            () => readChannelConfig(blockOne(), anchors()),
            'UNTRUSTED_CONFIG',
            'block 1 is not a configuration block',
        );
    });
});

describe('readChannelConfig and the orderer signature', () => {
    it('refuses the unsigned genesis block without block 1 to vouch for it', () => {
        expectError(
            () => readChannelConfig(genesis(), anchors()),
            'UNTRUSTED_CONFIG',
            /genesis block carries no orderer signature/,
        );
    });

    it('refuses a rewritten genesis block, unsigned, that block 1 does not chain to (BROKEN_CHAIN)', () => {
        const forged = decodeBlock(
            forgeConfigBlock((group) => replaceRootCa(group, 'Application', 'Org1', STRANGER_CA)),
        );
        expectError(
            () => readChannelConfig(forged, anchorsWithStranger('Org1MSP'), blockOne()),
            'BROKEN_CHAIN',
            "block 1's previous hash is not the hash of block 0",
        );
    });

    it('refuses a genesis block vouched for by a block 1 whose signature is broken', () => {
        const one = blockOne();
        const signatures = one.signatures.map((s) => ({ ...s, signature: flip(s.signature, 20) }));
        expectError(
            () => readChannelConfig(genesis(), anchors(), { ...one, signatures }),
            'BAD_BLOCK_SIGNATURE',
            'block 1 has no orderer signature that verifies',
        );
    });

    it('refuses a configuration block signed by an orderer its own orderer organisation does not know', () => {
        const org1Only = strangerSigned((group) => replaceRootCa(group, 'Application', 'Org1', STRANGER_CA));
        expectError(
            () => readChannelConfig(org1Only, anchorsWithStranger('Org1MSP')),
            'BAD_BLOCK_SIGNATURE',
            /block 0 has no orderer signature that verifies .*does not chain to a CA of OrdererMSP/,
        );
    });
});

/** Rewrite Org1's own Endorsement signature policy. */
function editOrg1Endorsement(edit: (envelope: common.SignaturePolicyEnvelope) => void) {
    return (group: common.ConfigGroup) =>
        editPolicy(group, ['Application', 'Org1'], 'Endorsement', (policy) => {
            const envelope = common.SignaturePolicyEnvelope.deserializeBinary(policy.getValue_asU8());
            edit(envelope);
            policy.setValue(envelope.serializeBinary());
        });
}

function setSubPolicy(name: string) {
    return (group: common.ConfigGroup) =>
        editPolicy(group, ['Application'], 'Endorsement', (policy) => {
            const meta = common.ImplicitMetaPolicy.deserializeBinary(policy.getValue_asU8());
            meta.setSubPolicy(name);
            policy.setValue(meta.serializeBinary());
        });
}

describe('configurations the verifier cannot believe or evaluate', () => {
    const principal = (envelope: common.SignaturePolicyEnvelope) =>
        defined(envelope.getIdentitiesList()[0], 'a principal');
    const cases: [string, (group: common.ConfigGroup) => void, ErrorCode, string][] = [
        [
            'without an Orderer group',
            (group) => remove(group.getGroupsMap(), 'Orderer'),
            'UNTRUSTED_CONFIG',
            "block 0's configuration has no Orderer group",
        ],
        [
            'with an Idemix MSP',
            (group) => editMsp(group, ['Application', 'Org2'], (_fabric, config) => config.setType(1)),
            'UNTRUSTED_CONFIG',
            "organisation Org2's MSP is not an X.509 (FABRIC) MSP",
        ],
        [
            'with a root CA that is not a certificate',
            (group) =>
                editMsp(group, ['Application', 'Org1'], (fabric) => fabric.setRootCertsList([Buffer.from('junk')])),
            'UNTRUSTED_CONFIG',
            'a root CA of Org1MSP is not an X.509 certificate',
        ],
        [
            'with one MSP ID for two organisations',
            (group) => editMsp(group, ['Application', 'Org2'], (fabric) => fabric.setName('Org1MSP')),
            'UNTRUSTED_CONFIG',
            "Org1MSP appears twice in block 0's configuration",
        ],
        [
            'whose Endorsement policy is not an implicit meta policy',
            (group) => editPolicy(group, ['Application'], 'Endorsement', (policy) => policy.setType(1)),
            'UNTRUSTED_CONFIG',
            "block 0's /Channel/Application/Endorsement policy is not an implicit meta policy",
        ],
        [
            'whose Endorsement policy refers to policies no organisation has',
            setSubPolicy('Nothing'),
            'UNTRUSTED_CONFIG',
            "block 0's /Channel/Application/Endorsement policy refers to no organisation's Nothing policy",
        ],
        [
            "with an organisation's Endorsement policy that is not a signature policy",
            (group) => editPolicy(group, ['Application', 'Org1'], 'Endorsement', (policy) => policy.setType(3)),
            'UNTRUSTED_CONFIG',
            "Org1MSP's Endorsement policy is not a signature policy",
        ],
        [
            'with a principal that is not an MSP role',
            editOrg1Endorsement((envelope) => principal(envelope).setPrincipalClassification(1)),
            'UNTRUSTED_CONFIG',
            "Org1MSP's Endorsement policy names a principal that is not an MSP role",
        ],
        [
            'with a rule naming a principal the policy does not list',
            editOrg1Endorsement((envelope) => envelope.getRule()?.getNOutOf()?.getRulesList()[0]?.setSignedBy(5)),
            'BAD_PROTOBUF',
            "Org1MSP's Endorsement policy refers to principal 5, which it does not list",
        ],
        [
            'with a rule of no type',
            editOrg1Endorsement((envelope) => envelope.setRule(new common.SignaturePolicy())),
            'BAD_PROTOBUF',
            "Org1MSP's Endorsement policy has a rule of no type",
        ],
    ];

    it.each(cases)('refuses a configuration %s', (_name, edit, code, message) => {
        expectError(() => readChannelConfig(strangerSigned(edit), anchors()), code, message);
    });

    it('leaves organisations without the named policy out of the count, as Fabric does', () => {
        const withoutOrg2 = strangerConfig((group) =>
            remove(configGroup(group, ['Application', 'Org2']).getPoliciesMap(), 'Endorsement'),
        );
        expect(withoutOrg2.endorsementPolicy.orgPolicies.map((org) => org.mspId)).toEqual([
            'AuditorOrgMSP',
            'AuthorityOrgMSP',
            'Org1MSP',
        ]);
        // MAJORITY of three policies: two organisations suffice.
        const two = endorsers.filter((endorser) => ['AuditorOrgMSP', 'AuthorityOrgMSP'].includes(endorser.mspId));
        expect(satisfiesEndorsementPolicy(withoutOrg2, two)).toBe(true);
        expect(satisfiesEndorsementPolicy(config, two)).toBe(false);
    });
});

/** Delete a key of a google-protobuf map field. */
function remove(map: unknown, key: string): void {
    (map as { del(key: string): void }).del(key);
}
