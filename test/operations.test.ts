import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import {
    keysOf,
    PARTY,
    credentialFor,
    registrationArgs,
    shareFile,
    standardParties,
} from '../chaincode/src/test-support/scenarios';
import { signWith, testKey } from '../chaincode/src/test-support/fixtures';
import { defined } from '../protocol/src/test-support/defined';
import { chaincodeServer, FabricLedger, memberOrgs, readTopology, refusal, ROOT, runId } from './support/fabric';
import { operationsGet, OperationsTarget, operationsTarget, sampleValue } from './support/operations';

/**
 * The operations endpoints on the real network (docs/operations.md#health-and-metrics): every
 * orderer, peer and Sealpact chaincode server answers /healthz and /metrics over HTTPS only, with a
 * certificate from its own organisation's TLS CA; the chaincode servers count what they execute;
 * network:status reports each one's health.
 */

jest.setTimeout(120000);

const topology = readTopology();
const orderers = topology.ordererOrg.orderers.map((node) =>
    operationsTarget(topology.ordererOrg, node.name, node.operationsPort),
);
// Every member's: a share endorsed by Org3 (once it joined) is counted by Org3's server alone.
const members = memberOrgs(topology);
const peers = members.map((org) => operationsTarget(org, org.peer.name, org.peer.operationsPort));
const chaincodeServers = members.map((org) =>
    operationsTarget(
        org,
        chaincodeServer(org, topology.chaincode).name,
        defined(org.chaincodeOperationsPorts[topology.chaincode.name], `${org.name}'s chaincode operations port`),
    ),
);

/** A counter summed over every organisation's chaincode server (each counts what it executed). */
async function chaincodeCount(sample: string): Promise<number> {
    const texts = await Promise.all(
        chaincodeServers.map(async (target) => (await operationsGet(target, '/metrics')).body),
    );
    return texts.reduce((sum, text) => sum + (sampleValue(text, sample) ?? 0), 0);
}

/** What a plain-HTTP client gets from an operations port: a status code, or the error code of its refused request. */
async function plainHttp(target: OperationsTarget): Promise<number | string> {
    try {
        return (await fetch(`http://${target.host}:${target.port}/metrics`, { signal: AbortSignal.timeout(2000) }))
            .status;
    } catch (err) {
        return String((err as { cause?: { code?: string } }).cause?.code ?? err);
    }
}

describe('operations endpoints', () => {
    it.each([...orderers, ...peers, ...chaincodeServers].map((target) => [target.name, target]))(
        "%s answers /healthz OK over TLS to anyone, /metrics to its org admin's TLS certificate, nothing over plain HTTP",
        async (_name, target) => {
            const anonymous = { ...target, client: undefined };
            const health = await operationsGet(anonymous, '/healthz');
            expect(health.status).toBe(200);
            expect((JSON.parse(health.body) as { status: string }).status).toBe('OK');
            const metrics = await operationsGet(target, '/metrics');
            expect(metrics.status).toBe(200);
            expect(metrics.body).toMatch(/^process_resident_memory_bytes /m);
            expect((await operationsGet(anonymous, '/metrics')).status).toBe(401);
            // Fabric's TLS listener answers a plain request 400; the chaincode server's resets it.
            expect([400, 'ECONNRESET', 'UND_ERR_SOCKET']).toContain(await plainHttp(target));
        },
    );

    it("proves each node's name with a certificate another organisation's TLS CA did not issue", async () => {
        const [org1Peer, org2Peer] = peers as [OperationsTarget, OperationsTarget];
        await expect(operationsGet({ ...org1Peer, ca: org2Peer.ca }, '/healthz')).rejects.toMatchObject({
            code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
        });
        await expect(operationsGet({ ...org1Peer, name: org2Peer.name }, '/healthz')).rejects.toMatchObject({
            code: 'ERR_TLS_CERT_ALTNAME_INVALID',
        });
    });

    it("exposes the peers' and orderers' own metrics: every node's channel height", async () => {
        for (const target of [...orderers, ...peers]) {
            const { body } = await operationsGet(target, '/metrics');
            expect([target.name, sampleValue(body, `ledger_blockchain_height{channel="${topology.channel}"}`)]).toEqual(
                [target.name, expect.any(Number)],
            );
        }
    });
});

describe('the chaincode servers count', () => {
    const ledger = new FabricLedger();
    afterAll(() => ledger.close());

    it('refusals by code, failed proofs of possession, and shares', async () => {
        const keys = await standardParties(ledger);
        const unknown = 'sealpact_chaincode_refusals_total{code="UNKNOWN_PARTY",transaction="GetParty"}';
        let before = await chaincodeCount(unknown);
        expect(await refusal(ledger.evaluate('alice', 'GetParty', `Org2MSP/nobody-${runId()}@org2.example.com`))).toBe(
            'UNKNOWN_PARTY',
        );
        expect(await chaincodeCount(unknown)).toBeGreaterThan(before);

        const failedProofs = 'sealpact_chaincode_verification_failures_total{transaction="RegisterKeys"}';
        before = await chaincodeCount(failedProofs);
        const forged = await registrationArgs(ledger, 'dave', keysOf('dave', 'sm2'));
        forged[1] = signWith(testKey('alice', 'sm2'), 'not the statement').toString('base64');
        expect(await refusal(ledger.submit('dave', 'RegisterKeys', ...forged))).toBe('BAD_SIGNATURE');
        expect(await chaincodeCount(failedProofs)).toBeGreaterThan(before);

        const shares = 'sealpact_chaincode_shares_total{transaction="ShareFile"}';
        before = await chaincodeCount(shares);
        const fileId = `metrics-${runId()}`;
        await shareFile(ledger, 'alice', fileId, [
            credentialFor(PARTY.alice, keys.alice.encryption, fileId),
            credentialFor(PARTY.bob, keys.bob.encryption, fileId),
        ]);
        // Each endorsing organisation's server executed it: a MAJORITY of the members, at least three.
        expect(await chaincodeCount(shares)).toBeGreaterThanOrEqual(before + 3);
    });
});

/**
 * WhoAmI endorsed by every member through alice's gateway. A peer an earlier test restarted (the
 * backup test restores Org2's) is back in the gateway's discovery once gossip hears from it again,
 * which may take seconds: until then the gateway finds no endorsing peer for its organisation.
 */
async function endorseByEveryMember(ledger: FabricLedger): Promise<void> {
    const proposal = () =>
        ledger
            .network('alice')
            .getContract(topology.chaincode.name)
            .newProposal('WhoAmI', { endorsingOrganizations: members.map((org) => org.mspId) });
    const deadline = Date.now() + 60_000;
    for (;;) {
        try {
            await proposal().endorse();
            return;
        } catch (error) {
            if (Date.now() > deadline || !/failed to find any endorsing peers/.test(String(error))) throw error;
            await new Promise((resolve) => setTimeout(resolve, 500));
        }
    }
}

describe('network:status', () => {
    const ledger = new FabricLedger();
    afterAll(() => ledger.close());

    it("reports every running process healthy from its /healthz (the CA servers too) and, with --metrics, each chaincode server's counters", async () => {
        // Each member's server executes one, whichever organisations the gateways chose so far.
        await endorseByEveryMember(ledger);
        const script = join(ROOT, 'network', 'scripts', 'status.mjs');
        const out = execFileSync(process.execPath, [script, '--metrics'], { encoding: 'utf8' });
        const escaped = (name: string) => name.replace(/\./g, '\\.');
        const caServers = [topology.ordererOrg, ...members].map((org) => org.ca);
        for (const target of [...caServers, ...orderers, ...peers, ...chaincodeServers]) {
            expect(out).toMatch(new RegExp(`^  ${escaped(target.name)} .*running, pid \\d+.*, healthy$`, 'm'));
        }
        for (const target of chaincodeServers) {
            expect(out).toMatch(
                new RegExp(
                    `^  ${escaped(target.name)} +transactions [1-9]\\d*, shares \\d+, failed signature checks \\d+, refusals: `,
                    'm',
                ),
            );
        }
    });
});
