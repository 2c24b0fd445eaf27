// npm run network:add-org -- --name ORG — brings an organisation of topology.json's joiningOrgs into
// the running channel, keeping the ledger (docs/operations.md#adding-an-organisation):
//
// 1. its network namespace with network:up -- --netns (netns.mjs), its CA server (ca.mjs) and its
//    peer, admin and users enrolled there (crypto.mjs);
// 2. its group in the channel's Application configuration (MSP with NodeOUs, policies, anchor
//    peer, as configtxgen -printOrg writes it), an update signed by the admins of a MAJORITY of the
//    member organisations, as Application's Admins policy asks (channel-config.mjs); from then on
//    state.json names it and every script counts it a member;
// 3. its peer started and joined from the channel's first block, caught up with the others;
// 4. its chaincode server with a package of its own, installed and approved at the committed
//    definition's sequence: the definition stays, and its peer now endorses it;
// 5. trust anchors and the connection profile rewritten, and each organisation's gateway getting an
//    endorsement from every member, the new one included.
//
// Every step is skipped when done already: run again, it says the organisation is a member and
// checks that its processes are up.
import console from 'node:console';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import process from 'node:process';
import YAML from 'yaml';
import { caPaths, startCas } from './ca.mjs';
import { currentConfig, peerHeight, peersHave, updateChannelConfig } from './channel-config.mjs';
import {
    approveChaincode,
    committedDefinition,
    installChaincode,
    peerCli,
    startChaincodeServer,
    waitForGatewayEndorsement,
} from './chaincode.mjs';
import {
    applicationOrganisation,
    bin,
    chaincodeServers,
    connectionProfile,
    CONNECTION_PROFILE,
    GENESIS_BLOCK,
    peerEnv,
    writeChaincodePackages,
    writeTrustAnchors,
} from './config.mjs';
import { joiningOrgDone, makeJoiningOrgCrypto } from './crypto.mjs';
import { ensureHosts } from './netns.mjs';
import {
    admitOrg,
    canConnect,
    CRYPTO,
    main,
    parseOptions,
    ROOT,
    run,
    runningPid,
    stage,
    StageError,
    startProcess,
    stopProcess,
    topology,
    upState,
    waitFor,
} from './lib.mjs';

const { channel, chaincode, joiningOrgs } = topology;
const STAGE = 'add organisation';

const USAGE = {
    usage: 'npm run network:add-org -- --name ORG',
    summary:
        "Adds an organisation of topology.json's joiningOrgs to the running channel: its CA and identities, a channel " +
        "configuration update signed by a MAJORITY of the members' admins, its peer, its chaincode server and approval.",
    options: {
        name: {
            type: 'string',
            value: 'ORG',
            description: `the organisation: ${joiningOrgs.map((org) => org.name).join(', ')}`,
            required: true,
            parse: (text) => {
                const org = joiningOrgs.find((candidate) => candidate.name === text);
                if (!org)
                    throw new Error(
                        `must be one of topology.json's joiningOrgs (${joiningOrgs.map((o) => o.name).join(', ')})`,
                    );
                return org;
            },
        },
    },
};

/** The organisation's group of the channel configuration, as configtxgen -printOrg makes it from configtx.yaml. */
async function orgGroup(org) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sealpact-org-'));
    try {
        fs.writeFileSync(
            path.join(dir, 'configtx.yaml'),
            YAML.stringify({ Organizations: [applicationOrganisation(org)] }),
        );
        const { stdout } = await run(STAGE, bin('configtxgen'), ['-configPath', dir, '-printOrg', org.name], {
            env: { FABRIC_LOGGING_SPEC: 'warn' },
        });
        return JSON.parse(stdout);
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

/**
 * Its network namespace (with network:up -- --netns), its CA server and its identities. An earlier
 * run that stopped while enrolling, before the organisation was in the channel, starts them afresh.
 */
async function makeIdentities(org) {
    if (!topology.orgs.includes(org) && !fs.existsSync(joiningOrgDone(org))) {
        // Its CAs hold registrations whose secrets are lost: a new CA home, and new identities.
        await stopProcess(org.ca.name);
        fs.rmSync(caPaths(org).home, { recursive: true, force: true });
        fs.rmSync(path.join(CRYPTO, org.domain), { recursive: true, force: true });
    }
    if (upState().netns) await ensureHosts([org]);
    await startCas({ organisations: [org] });
    await makeJoiningOrgCrypto(org, [
        ...chaincodeServers(chaincode, [org]),
        ...chaincodeServers(topology.baselineChaincode, [org]),
    ]);
}

/**
 * Adds the organisation's group to Application, signed by the admins of the first MAJORITY of the
 * members (Application's mod_policy is its Admins policy, MAJORITY Admins); then it is a member.
 */
async function addToChannel(org) {
    const members = topology.orgs;
    const signers = members.slice(0, Math.floor(members.length / 2) + 1);
    const [reader] = members;
    if ((await currentConfig(reader)).channel_group.groups.Application.groups[org.name]) {
        stage(`channel configuration: ${org.mspId} is in "${channel}" already`);
    } else {
        const group = await orgGroup(org);
        stage(
            `channel configuration: adding ${org.mspId} to "${channel}", signed by the admins of ` +
                `${signers.map((signer) => signer.mspId).join(', ')} (${signers.length} of ${members.length})`,
        );
        const block = await updateChannelConfig((config) => {
            config.channel_group.groups.Application.groups[org.name] = group;
        }, signers);
        console.log(`[network]   config block ${block} has ${org.mspId}`);
    }
    admitOrg(org);
}

/** Starts its peer, joins it to the channel from the first block and waits until it has caught up. */
async function joinPeer(org) {
    const { peer } = org;
    await startProcess(peer.name, org, bin('peer'), ['node', 'start'], peerEnv(org), ROOT, peer.port);
    // Its pid file comes before its listener: a peer command at once may find the port closed.
    await waitFor(STAGE, () => canConnect(org, peer.port), 30000, `${peer.name} on port ${peer.port}`);
    const list = (await peerCli(STAGE, org, org.admin, ['channel', 'list'])).stdout;
    if (!list.split('\n').includes(channel)) {
        stage(`${peer.name} joins "${channel}" from its first block`);
        await peerCli(STAGE, org, org.admin, ['channel', 'join', '-b', GENESIS_BLOCK]);
    }
    const [first] = topology.orgs;
    // Replaying the whole chain takes a while on a long-lived network.
    await peersHave((await peerHeight(first)) - 1, [org], 300000);
}

/**
 * Its chaincode server with its own package, installed, and the committed definition approved for
 * it at its current sequence with that package id (unless approved so already).
 */
async function serveChaincode(org, ordererCount) {
    const server = writeChaincodePackages(chaincode).find((candidate) => candidate.org === org);
    await startChaincodeServer(server, chaincode);
    await installChaincode(chaincode, [server]);
    const committed = await committedDefinition(chaincode.name);
    if (!committed) throw new StageError(`no chaincode definition "${chaincode.name}" is committed on "${channel}"`);
    const definition = { ...chaincode, version: committed.version, sequence: committed.sequence };
    const approved = await peerCli(STAGE, org, org.admin, [
        'lifecycle',
        'chaincode',
        'queryapproved',
        '--channelID',
        channel,
        '--name',
        chaincode.name,
        '--sequence',
        String(committed.sequence),
        '--output',
        'json',
    ]).then(
        (result) => result.stdout.includes(server.packageId),
        () => false,
    );
    if (approved) {
        stage(`chaincode approve: ${org.mspId} approved sequence ${committed.sequence} already`);
    } else {
        await approveChaincode(definition, [server], ordererCount);
    }
}

async function addOrg() {
    const started = Date.now();
    const org = parseOptions(USAGE).values.name;
    const state = upState();
    if (!state) throw new StageError('no network to join: run npm run network:up first');
    if (state.docker) throw new StageError('adds organisations to the native network only, not --docker');
    const member = topology.orgs.includes(org);
    const down = topology.orgs.filter((other) => other !== org && !runningPid(other.peer.name));
    if (down.length > 0) {
        throw new StageError(
            `not running: ${down.map((other) => other.peer.name).join(', ')}; run npm run network:up first`,
        );
    }
    if (member) stage(`${org.name} is a member of "${channel}" already: checking that it is up`);
    await makeIdentities(org);
    if (!member) await addToChannel(org);
    await joinPeer(org);
    await serveChaincode(org, state.orderers);
    writeTrustAnchors();
    fs.writeFileSync(
        CONNECTION_PROFILE,
        JSON.stringify(connectionProfile(state.orderers, writeChaincodePackages(chaincode)), null, 4) + '\n',
    );
    const everyMember = topology.orgs.map((other) => other.mspId);
    stage(`ready: each org's gateway gets an endorsement from every member (${everyMember.join(', ')})`);
    await waitForGatewayEndorsement('add organisation ready', chaincode.name, 'WhoAmI', [], everyMember);
    stage(
        `${org.name} (${org.mspId}) is a member of "${channel}" in ${((Date.now() - started) / 1000).toFixed(1)}s: ` +
            `${topology.orgs.length} organisations, the endorsement policy's MAJORITY is ` +
            `${Math.floor(topology.orgs.length / 2) + 1} of ${topology.orgs.length}`,
    );
    return 0;
}

if (import.meta.url === `file://${process.argv[1]}`) main(addOrg);
