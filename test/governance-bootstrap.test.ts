import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { GOVERNANCE } from '../chaincode/src/test-support/scenarios';
import { FabricLedger, profile, ROOT, runId } from './support/fabric';
import { evaluateJson } from '../chaincode/src/test-support/answers';

/**
 * The race for the first governance, on the real network. The chaincode server runs with
 * SEALPACT_GOVERNANCE = topology.json's governance (network:up starts it so); a fresh chaincode
 * definition on the same package (network/scripts/deploy-definition.mjs) has an empty state, so
 * its first SetGovernance is still open: Org2's admin naming only its own MSP is refused by the
 * endorsing peers, Org1's admin submitting the bootstrap document is accepted.
 */

jest.setTimeout(240000);

const name = `bootstrap-${runId()}`;
let ledger: FabricLedger;

beforeAll(() => {
    execFileSync(process.execPath, [join(ROOT, 'network', 'scripts', 'deploy-definition.mjs'), '--name', name], {
        stdio: 'pipe',
        timeout: 200000,
    });
    ledger = new FabricLedger({ ...profile(), chaincode: name });
});

afterAll(() => {
    (ledger as FabricLedger | undefined)?.close(); // undefined when beforeAll failed
});

describe('the first SetGovernance on a fresh chaincode definition', () => {
    it('is served by the Sealpact chaincode server under its own name, with no governance yet', async () => {
        expect((await evaluateJson(ledger, 'bob', 'WhoAmI')).chaincode).toBe(name);
        await expect(ledger.evaluate('auditor', 'GetGovernance')).rejects.toThrow(/^NOT_INITIALISED/);
    });

    it("refuses Org2's admin seizing it for Org2 alone", async () => {
        const seizure = { governingMsps: ['Org2MSP'], authorityMsps: ['Org2MSP'], auditorMsps: ['Org2MSP'] };
        await expect(ledger.submit('org2Admin', 'SetGovernance', JSON.stringify(seizure))).rejects.toThrow(
            /^GOVERNANCE_MISMATCH: .*SEALPACT_GOVERNANCE/,
        );
        await expect(ledger.evaluate('auditor', 'GetGovernance')).rejects.toThrow(/^NOT_INITIALISED/);
    });

    it("accepts Org1's admin submitting the bootstrap document; then only Org1 governs", async () => {
        const { payload } = await ledger.submit('org1Admin', 'SetGovernance', JSON.stringify(GOVERNANCE));
        expect(JSON.parse(payload)).toMatchObject({ ...GOVERNANCE, revision: 1 });
        expect(await evaluateJson(ledger, 'bob', 'GetGovernance')).toMatchObject(GOVERNANCE);
        const takeover = { ...GOVERNANCE, governingMsps: ['Org2MSP'] };
        await expect(ledger.submit('org2Admin', 'SetGovernance', JSON.stringify(takeover))).rejects.toThrow(
            /^ACCESS_DENIED/,
        );
    });
});
