// Shared by network:up (the Sealpact chaincode) and deploy-baseline.mjs (the benchmark's baseline
// chaincode): the peer CLI, each organisation's chaincode-as-a-service
// servers, the lifecycle (install / approve / commit) and an endorsement through each org's Fabric
// Gateway.
import { createPrivateKey } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import { allPeerArgs, bin, cliEnv, endpoint, ordererArgs, packageFile } from './config.mjs';
import { chaincodeServerPaths, identityPaths, orgPaths } from './crypto.mjs';
import { pidFile, ROOT, run, runningPid, sleep, stage, startProcess, stopProcess, topology, waitFor } from './lib.mjs';

const { channel, orgs } = topology;
export const CHAINCODE_DIR = path.join(ROOT, 'chaincode');

/**
 * The Sealpact chaincode server's settings from a topology.json definition (`chaincode`):
 * SEALPACT_GOVERNANCE, the bootstrap governance every organisation's server must agree on (the
 * first SetGovernance must equal it; docs/ledger.md#governance), as canonical JSON, and
 * CLOCK_SKEW, the seconds a proposal's timestamp may differ from the peer's clock.
 */
export function sealpactServerEnv(definition) {
    const { authorityMsps, auditorMsps, governingMsps } = definition.governance;
    const sorted = (list) => [...new Set(list)].sort();
    return {
        SEALPACT_GOVERNANCE: JSON.stringify({
            auditorMsps: sorted(auditorMsps),
            authorityMsps: sorted(authorityMsps),
            governingMsps: sorted(governingMsps),
        }),
        CLOCK_SKEW: String(definition.clockSkewSeconds),
    };
}

/** The chaincode server's /healthz and /metrics (chaincode/src/operations.ts): HTTPS with its own certificate. */
function operationsServerEnv(server, tls) {
    return {
        SEALPACT_OPERATIONS_LISTENADDRESS: endpoint(server.org, server.operationsPort),
        SEALPACT_OPERATIONS_TLS_CERT_FILE: tls.cert,
        SEALPACT_OPERATIONS_TLS_KEY_FILE: tls.key,
        // /metrics only for a client certificate from the org's TLS CA, as a peer's with TLS on.
        SEALPACT_OPERATIONS_TLS_CLIENT_CACERT_FILE: tls.ca,
    };
}

/**
 * Starts `fabric-chaincode-node server` for one organisation's chaincode server of a definition
 * (`server`: one of config.mjs writeChaincodePackages(definition), with its port and package id),
 * as process `server.name`. `modulePath` is the folder whose package.json `main` exports the
 * contracts (default: chaincode/). `root` is the checkout whose fabric-shim serves it and whose
 * chaincode/ it runs in (default this one; the upgrade test's earlier build passes its own). A
 * definition with `governance` (Sealpact's) gets its settings from sealpactServerEnv. It serves TLS
 * with the certificate for its name and requires a client certificate from its organisation's TLS
 * CA (its own peer's TLS certificate).
 */
export function startChaincodeServer(server, definition, modulePath, root = ROOT) {
    const tls = chaincodeServerPaths(server);
    return startProcess(
        server.name,
        server.org,
        process.execPath,
        [
            path.join(root, 'node_modules', 'fabric-shim', 'cli.js'),
            'server',
            `--chaincode-address=${endpoint(server.org, server.port)}`,
            `--chaincode-id=${server.packageId}`,
            `--chaincode-tls-cert-file=${tls.cert}`,
            `--chaincode-tls-key-file=${tls.key}`,
            `--chaincode-tls-client-cacert-file=${tls.ca}`,
            ...(modulePath ? [`--module-path=${modulePath}`] : []),
        ],
        {
            // Warnings and errors: fabric-shim logs every transaction at info, a cost per transaction that a
            // server under load should not pay (docs/operations.md#the-chaincode).
            CORE_CHAINCODE_LOGGING_LEVEL: 'warning',
            ...(definition.governance ? sealpactServerEnv(definition) : {}),
            ...(server.operationsPort ? operationsServerEnv(server, tls) : {}),
        },
        path.join(root, 'chaincode'),
        server.port,
    );
}

/**
 * Stops each of `servers` (chaincodeServers of a definition) that runs and was started before
 * `newest` (a modification time: of its code or settings), so that starting it again serves them.
 */
export async function stopStaleChaincodeServers(stageName, servers, newest) {
    for (const server of servers) {
        if (runningPid(server.name) && fs.statSync(pidFile(server.name)).mtimeMs < newest) {
            stage(`${stageName}: restarting ${server.name} on the new build or settings`);
            await stopProcess(server.name);
        }
    }
}

export async function peerCli(stageName, org, identity, args, timeoutMs) {
    return run(stageName, bin('peer'), args, { env: cliEnv(org, identity), timeoutMs });
}

/** A peer CLI call that orders a transaction, retried while a new Raft cluster elects its leader. */
export async function submit(stageName, org, identity, args) {
    const deadline = Date.now() + 30000;
    for (;;) {
        try {
            return await peerCli(stageName, org, identity, args);
        } catch (error) {
            if (!/no Raft leader|SERVICE_UNAVAILABLE/.test(error.message) || Date.now() > deadline) throw error;
            await sleep(500);
        }
    }
}

/** The committed definition of chaincode `name` on the channel ({ sequence, version, ... }), or undefined. */
export async function committedDefinition(name) {
    const [first] = orgs;
    return peerCli('chaincode definition', first, first.admin, [
        'lifecycle',
        'chaincode',
        'querycommitted',
        '--channelID',
        channel,
        '--name',
        name,
        '--output',
        'json',
    ]).then(
        (r) => JSON.parse(r.stdout),
        () => undefined,
    );
}

/** Installs on each org's peer that org's own package (`servers`: config.mjs writeChaincodePackages), unless there. */
export async function installChaincode(definition, servers) {
    stage(`chaincode install: each org's own package of "${definition.label}" on its peer`);
    await Promise.all(
        servers.map(async (server) => {
            const { org, packageId } = server;
            const installedOut = (
                await peerCli('chaincode install', org, org.admin, [
                    'lifecycle',
                    'chaincode',
                    'queryinstalled',
                    '--output',
                    'json',
                ])
            ).stdout;
            if (installedOut.includes(packageId)) return;
            await peerCli('chaincode install', org, org.admin, [
                'lifecycle',
                'chaincode',
                'install',
                packageFile(server),
            ]);
        }),
    );
}

/** The lifecycle arguments naming `definition` (its name, version, sequence and endorsement policy). */
function lifecycleArgs(definition) {
    return [
        '--channelID',
        channel,
        '--name',
        definition.name,
        '--version',
        definition.version,
        '--sequence',
        String(definition.sequence),
        '--channel-config-policy',
        definition.endorsementPolicy,
    ];
}

/** Approves `definition` for the org of each of `servers`, with that org's own package id. */
export async function approveChaincode(definition, servers, ordererCount) {
    stage(`chaincode approve: ${servers.map(({ org }) => org.mspId).join(', ')}, each with its own package id`);
    await Promise.all(
        servers.map(({ org, packageId }) =>
            submit('chaincode approve', org, org.admin, [
                'lifecycle',
                'chaincode',
                'approveformyorg',
                ...ordererArgs(ordererCount),
                ...lifecycleArgs(definition),
                '--package-id',
                packageId,
                '--waitForEvent',
            ]).catch((error) => {
                // A run stopped between approve and commit: this org's approval (package id included) stands.
                if (!/redefine uncommitted sequence .* with unchanged content/.test(error.message)) throw error;
                stage(`chaincode approve: ${org.mspId} had approved this definition already`);
            }),
        ),
    );
}

/**
 * The chaincode lifecycle for a definition (topology.json `chaincode` or `baselineChaincode`) served
 * by `servers` (config.mjs writeChaincodePackages): installs on each org's peer that org's own
 * package, then approves the definition for every org with its own package id and commits it
 * unless that sequence is already committed (a definition's hash leaves the package ids out, so
 * the orgs agree on it all the same). Each step is skipped when the ledger already holds it.
 */
export async function deployChaincode(definition, servers, ordererCount) {
    await installChaincode(definition, servers);
    const committed = await committedDefinition(definition.name);
    if (committed && committed.sequence >= definition.sequence) {
        stage(`chaincode definition: "${definition.name}" sequence ${committed.sequence} already committed`);
        return;
    }
    await approveChaincode(definition, servers, ordererCount);
    stage(
        `chaincode commit: "${definition.name}" ${definition.version} sequence ${definition.sequence}, policy ${definition.endorsementPolicy}`,
    );
    const [first] = orgs;
    await submit('chaincode commit', first, first.admin, [
        'lifecycle',
        'chaincode',
        'commit',
        ...ordererArgs(ordererCount),
        ...lifecycleArgs(definition),
        ...allPeerArgs(),
        '--waitForEvent',
    ]);
}

/**
 * Waits until each org's Fabric Gateway (as the org's admin) gets a proposal of `chaincodeName`
 * endorsed by enough peers for its MAJORITY policy, or, with `endorsingOrganizations` (MSP IDs),
 * by the peers of each of those. The proposal is never submitted.
 */
export async function waitForGatewayEndorsement(
    stageName,
    chaincodeName,
    transaction,
    args = [],
    endorsingOrganizations = undefined,
) {
    const { connect, signers } = await import('@hyperledger/fabric-gateway');
    const grpc = await import('@grpc/grpc-js');
    await Promise.all(
        orgs.map(async (org) => {
            const who = identityPaths(org, org.admin);
            // Name the peer as its certificate does: TLS may not use an IP address as the server name.
            const client = new grpc.Client(
                endpoint(org, org.peer.port),
                grpc.credentials.createSsl(fs.readFileSync(orgPaths(org).tlsCa)),
                { 'grpc.ssl_target_name_override': org.peer.name },
            );
            const gateway = connect({
                client,
                identity: { mspId: org.mspId, credentials: fs.readFileSync(who.cert) },
                signer: signers.newPrivateKeySigner(createPrivateKey(fs.readFileSync(who.key))),
            });
            try {
                const contract = gateway.getNetwork(channel).getContract(chaincodeName);
                await waitFor(
                    stageName,
                    async () =>
                        Boolean(
                            await contract
                                .newProposal(transaction, { arguments: args, endorsingOrganizations })
                                .endorse(),
                        ),
                    60000,
                    `${org.peer.name}'s gateway to collect ${endorsingOrganizations ? `endorsements of ${endorsingOrganizations.join(', ')}` : 'a MAJORITY of endorsements'} for ${chaincodeName}`,
                );
            } finally {
                gateway.close();
                client.close();
            }
        }),
    );
}
