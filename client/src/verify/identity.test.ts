import { common } from '@hyperledger/fabric-protos';
import { expectError } from '../../../protocol/src/test-support/expect-error';
import {
    editMsp,
    registerKeys,
    serializedIdentity,
    signLowS,
    stranger,
    strangerConfig,
    strangerPeer,
} from '../test-support/verify-fixtures';
import { describeIdentity, Identity, identityProblem, nodeRole } from './identity';
import { verifyEndorsements } from './transactions';

const intermediate = stranger('intermediate');
const intermediatePeer = stranger('intermediate-peer');
const peerClient = stranger('peer-client');

function asOrg1(node: { certificate: string }): Identity {
    return { mspId: 'Org1MSP', certificate: node.certificate };
}

/** Org1's MSP also lists the stranger's intermediate CA. */
function withIntermediate(group: common.ConfigGroup): void {
    editMsp(group, ['Application', 'Org1'], (fabric) =>
        fabric.setIntermediateCertsList([Buffer.from(intermediate.certificate)]),
    );
}

/** Org1's node OU identifiers name no CA (any CA of the MSP may issue each role). */
function withoutOuCertificates(group: common.ConfigGroup): void {
    editMsp(group, ['Application', 'Org1'], (fabric) => {
        const nodeOUs = fabric.getFabricNodeOus();
        for (const identifier of [nodeOUs?.getPeerOuIdentifier(), nodeOUs?.getClientOuIdentifier()]) {
            identifier?.setCertificate(new Uint8Array());
        }
    });
}

describe('identityProblem: chains to the MSP CAs', () => {
    const config = strangerConfig(withIntermediate);

    it('accepts a peer issued by the root CA', () => {
        expect(identityProblem(config, asOrg1(strangerPeer), 'peer')).toBeUndefined();
    });

    it('follows a chain through an intermediate CA of the MSP', () => {
        const open = strangerConfig((group) => {
            withIntermediate(group);
            withoutOuCertificates(group);
        });
        expect(identityProblem(open, asOrg1(intermediatePeer), 'peer')).toBeUndefined();
        // Without the intermediate in the MSP, there is no chain.
        expect(identityProblem(strangerConfig(withoutOuCertificates), asOrg1(intermediatePeer), 'peer')).toBe(
            'the certificate does not chain to a CA of Org1MSP',
        );
    });

    it("requires the node OU identifier's CA to be the direct issuer when the identifier names one", () => {
        expect(identityProblem(config, asOrg1(intermediatePeer), 'peer')).toBe(
            'the certificate holds 0 node OUs of Org1MSP, not exactly one',
        );
    });

    it('refuses a CA certificate as an identity', () => {
        expect(identityProblem(config, asOrg1(intermediate), 'member')).toBe(
            'the certificate is a CA certificate, not an identity',
        );
    });

    it('refuses a certificate holding two node OUs', () => {
        expect(identityProblem(config, asOrg1(peerClient), 'member')).toBe(
            'the certificate holds 2 node OUs of Org1MSP, not exactly one',
        );
    });

    it('refuses a certificate that does not parse, and names it so', () => {
        const junk = { mspId: 'Org1MSP', certificate: 'junk' };
        expect(identityProblem(config, junk, 'member')).toBe('the certificate does not parse');
        expect(describeIdentity(junk)).toBe('Org1MSP (unreadable certificate)');
    });
});

describe('identityProblem: an MSP without NodeOUs', () => {
    const config = strangerConfig((group) =>
        editMsp(group, ['Application', 'Org1'], (fabric) => {
            fabric.getFabricNodeOus()?.setEnable(false);
            fabric.setAdminsList([Buffer.from(strangerPeer.certificate)]);
        }),
    );

    it('knows members and its listed admins, but cannot tell a peer', () => {
        expect(identityProblem(config, asOrg1(strangerPeer), 'member')).toBeUndefined();
        expect(identityProblem(config, asOrg1(strangerPeer), 'admin')).toBeUndefined();
        expect(identityProblem(config, asOrg1(strangerPeer), 'peer')).toBe(
            'Org1MSP does not enable NodeOUs, so no identity is known as peer',
        );
        expect(nodeRole(config, 'Org1MSP', 'peer')).toBe('member');
        expect(nodeRole(config, 'Org2MSP', 'peer')).toBe('peer');
    });

    it("accepts such a member's endorsement, which still does not satisfy Org1's OR('Org1MSP.peer')", () => {
        const { transaction: tx } = registerKeys();
        const endorserBytes = serializedIdentity('Org1MSP', strangerPeer.certificate);
        const org1 = {
            endorser: asOrg1(strangerPeer),
            endorserBytes,
            signature: signLowS(strangerPeer, Buffer.concat([tx.proposalResponsePayload, endorserBytes])),
        };
        const endorsements = [...tx.endorsements.filter((e) => e.endorser.mspId !== 'Org1MSP'), org1];
        expectError(
            () => verifyEndorsements({ ...tx, endorsements }, config),
            'POLICY_NOT_SATISFIED',
            'is endorsed by AuditorOrgMSP, AuthorityOrgMSP, Org1MSP; the policy needs MAJORITY (3 of 4)',
        );
    });
});
