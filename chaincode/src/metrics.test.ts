import { StubNetwork } from './test-support/stub-network';
import { registry } from './metrics';
import { signWith, testKey } from './test-support/fixtures';
import { refused } from './test-support/refused';
import {
    PARTY,
    credentialFor,
    keysOf,
    registerKeys,
    registrationArgs,
    setGovernance,
    shareFile,
    verifyParty,
} from './test-support/scenarios';

/** A counter's value for these labels (0 before it was first counted). */
async function counted(name: string, labels: Record<string, string>): Promise<number> {
    const metric = registry.getSingleMetric(name);
    if (!metric) throw new Error(`no metric ${name}`);
    const { values } = await metric.get();
    const match = values.find((value) => Object.entries(labels).every(([key, want]) => value.labels[key] === want));
    return match?.value ?? 0;
}

/** How much each of `probes` grew while `action` ran. */
async function growth(probes: [string, Record<string, string>][], action: () => Promise<unknown>): Promise<number[]> {
    const before = await Promise.all(probes.map(([name, labels]) => counted(name, labels)));
    await action();
    const after = await Promise.all(probes.map(([name, labels]) => counted(name, labels)));
    return after.map((value, i) => value - (before[i] ?? 0));
}

describe('chaincode metrics', () => {
    it('count each transaction by outcome, refusals by code, shares and failed proofs of possession', async () => {
        const ledger = new StubNetwork();
        const notInitialised = [
            'sealpact_chaincode_refusals_total',
            { code: 'NOT_INITIALISED', transaction: 'GetGovernance' },
        ];
        expect(
            await growth(
                [
                    ['sealpact_chaincode_transactions_total', { transaction: 'GetGovernance', outcome: 'refused' }],
                    notInitialised as [string, Record<string, string>],
                ],
                () =>
                    expect(ledger.evaluate('alice', 'GetGovernance')).rejects.toThrow(
                        refused('NOT_INITIALISED', 'the governance has not been set'),
                    ),
            ),
        ).toEqual([1, 1]);

        await setGovernance(ledger);
        const keys = { alice: keysOf('alice', 'sm2'), bob: keysOf('bob', 'rsa') };
        const forged = await registrationArgs(ledger, 'alice', keys.alice);
        forged[1] = signWith(testKey('dave', 'sm2'), 'x').toString('base64');
        expect(
            await growth(
                [
                    ['sealpact_chaincode_verification_failures_total', { transaction: 'RegisterKeys' }],
                    ['sealpact_chaincode_refusals_total', { code: 'BAD_SIGNATURE', transaction: 'RegisterKeys' }],
                    ['sealpact_chaincode_transactions_total', { transaction: 'RegisterKeys', outcome: 'ok' }],
                ],
                () =>
                    expect(ledger.submit('alice', 'RegisterKeys', ...forged)).rejects.toThrow(
                        refused('BAD_SIGNATURE', 'does not sign the key-registration statement for sequence 1'),
                    ),
            ),
        ).toEqual([1, 1, 0]);

        const shares = ['sealpact_chaincode_shares_total', { transaction: 'ShareFile' }] as [
            string,
            Record<string, string>,
        ];
        const sharesOk = ['sealpact_chaincode_transactions_total', { transaction: 'ShareFile', outcome: 'ok' }] as [
            string,
            Record<string, string>,
        ];
        expect(
            await growth([shares, sharesOk], async () => {
                await registerKeys(ledger, 'alice', keys.alice);
                await registerKeys(ledger, 'bob', keys.bob);
                await verifyParty(ledger, PARTY.bob);
                const credentials = [
                    credentialFor(PARTY.alice, keys.alice.encryption, 'f1'),
                    credentialFor(PARTY.bob, keys.bob.encryption, 'f1'),
                ];
                await shareFile(ledger, 'alice', 'f1', credentials);
                // A refused share is not a share.
                await expect(shareFile(ledger, 'alice', 'f1', credentials)).rejects.toThrow(/^DUPLICATE_ID: /);
            }),
        ).toEqual([1, 1]);
        expect(await registry.getSingleMetricAsString('sealpact_chaincode_transaction_duration_seconds')).toContain(
            'sealpact_chaincode_transaction_duration_seconds_count{transaction="ShareFile"}',
        );
    });
});
