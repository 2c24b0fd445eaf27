import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { StubNetwork } from '../test-support/stub-network';
import { PARTY, credentialFor, shareArgs, standardParties, verifyParty } from '../test-support/scenarios';

/**
 * ShareFile transactions per second through the in-memory test peer (real fabric-shim stub and
 * fabric-contract-api dispatch, one recipient set of three parties), for regression tracking.
 * Key registration with its SM2/RSA proofs of possession is set-up and not timed.
 */
async function main(): Promise<void> {
    const count = Number(process.env.BENCH_SHARES ?? 1000);
    const ledger = new StubNetwork();
    const keys = await standardParties(ledger);
    await verifyParty(ledger, PARTY.carol);

    const requests = Array.from({ length: count }, (_, i) => {
        const fileId = `bench-${i}`;
        return shareArgs(fileId, [
            credentialFor(PARTY.alice, keys.alice.encryption, fileId),
            credentialFor(PARTY.bob, keys.bob.encryption, fileId),
            credentialFor(PARTY.carol, keys.carol.encryption, fileId),
        ]);
    });
    await ledger.submit(
        'alice',
        'ShareFile',
        ...shareArgs('warm-up', [
            credentialFor(PARTY.alice, keys.alice.encryption, 'warm-up'),
            credentialFor(PARTY.bob, keys.bob.encryption, 'warm-up'),
        ]),
    );

    const start = performance.now();
    for (const args of requests) {
        await ledger.submit('alice', 'ShareFile', ...args);
    }
    const seconds = (performance.now() - start) / 1000;

    console.log('ShareFile through the in-memory test peer (3 credentials per file, SM2 + RSA recipients)');
    console.log(`  machine:      ${cpus()[0]?.model ?? 'unknown CPU'} x${cpus().length}, Node ${process.version}`);
    console.log(`  transactions: ${count}`);
    console.log(`  elapsed:      ${seconds.toFixed(2)} s`);
    console.log(
        `  throughput:   ${(count / seconds).toFixed(1)} tx/s (${((seconds * 1000) / count).toFixed(2)} ms/tx)`,
    );
}

main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
});
