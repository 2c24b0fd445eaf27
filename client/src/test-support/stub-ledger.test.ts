import { StatusCode } from '@hyperledger/fabric-gateway';
import { ChaincodeError, LedgerError, WhoAmI } from '@sealpact/protocol';
import { setGovernance } from '../../../chaincode/src/test-support/scenarios';
import { StubNetwork } from '../../../chaincode/src/test-support/stub-network';
import { CommitUnknownError } from '../sdk/ledger-errors';
import { expectRejection } from '../../../protocol/src/test-support/expect-error';
import { StubLedger } from './stub-ledger';
import { defined } from '../../../protocol/src/test-support/defined';

/** The adapter gives the SDK the same outcomes, and the same typed errors, as LedgerConnection. */

let network: StubNetwork;
let auditor: StubLedger;
let admin: StubLedger;
const GOVERNANCE_V2 = JSON.stringify({
    governingMsps: ['Org1MSP'],
    authorityMsps: ['AuthorityOrgMSP'],
    auditorMsps: ['AuditorOrgMSP', 'Org2MSP'],
});

beforeEach(async () => {
    network = new StubNetwork();
    await setGovernance(network);
    auditor = new StubLedger(network, 'auditor');
    admin = new StubLedger(network, 'org1Admin');
});

const revision = async () => (await auditor.query<{ revision: number }>('GetGovernance')).revision;

describe('StubLedger', () => {
    it('queries and submits as its identity; a submit resolves once committed, with tx id and payload', async () => {
        expect(await auditor.query<WhoAmI>('WhoAmI')).toMatchObject({
            partyId: 'AuditorOrgMSP/auditor@auditor.example.com',
        });
        const committed = await admin.submit('SetGovernance', GOVERNANCE_V2);
        expect(committed.txId).toBe(network.committed.at(-1)?.txId);
        expect(JSON.parse(committed.payload)).toMatchObject({ revision: 2, txId: committed.txId });
        expect(await revision()).toBe(2);
    });

    it("a refusal, at evaluate or at endorsement, is the ChaincodeError with the chaincode's code; nothing commits", async () => {
        const err = await expectRejection(
            new StubLedger(network, 'bob').query('GetFile', 'f-none'),
            'NOT_FOUND',
            /^NOT_FOUND: no file f-none$/,
        );
        expect(err).toBeInstanceOf(ChaincodeError);
        const height = network.committed.length;
        const refused = await expectRejection(
            new StubLedger(network, 'org2Admin').submit('SetGovernance', GOVERNANCE_V2),
            'ACCESS_DENIED',
            /^ACCESS_DENIED: only an admin \(OU=admin\) of Org1MSP may set the governance$/,
        );
        expect(refused).toBeInstanceOf(ChaincodeError);
        expect(network.committed).toHaveLength(height);
    });

    it('a lost commit status is COMMIT_UNKNOWN while the transaction committed', async () => {
        admin.loseCommitStatus('SetGovernance');
        const err = await expectRejection(
            admin.submit('SetGovernance', GOVERNANCE_V2),
            'COMMIT_UNKNOWN',
            /^COMMIT_UNKNOWN: SetGovernance [0-9a-f]{64} was handed to the orderer but its commit status is unknown \(the connection to the peer at stub-peer:7051 was lost at the commit stage\)$/,
        );
        expect(err).toBeInstanceOf(CommitUnknownError);
        expect(err).toMatchObject({ txId: defined(network.committed.at(-1), 'the last commit').txId });
        expect(await revision()).toBe(2);
        expect((await admin.submit('SetGovernance', GOVERNANCE_V2)).txId).toBeDefined(); // the fault was one-off
    });

    it('a commit invalidated by its validation code is COMMIT_FAILED, and writes nothing', async () => {
        admin.invalidateAtCommit('SetGovernance', StatusCode.MVCC_READ_CONFLICT);
        const err = await expectRejection(
            admin.submit('SetGovernance', GOVERNANCE_V2),
            'COMMIT_FAILED',
            /^COMMIT_FAILED: SetGovernance transaction [0-9a-f]{64} was not committed: MVCC_READ_CONFLICT$/,
        );
        expect(err).toBeInstanceOf(LedgerError);
        expect(await revision()).toBe(1);
    });
});
