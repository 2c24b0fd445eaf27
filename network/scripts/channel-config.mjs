// A channel configuration update, the Fabric way: fetch the latest config block from the orderers
// (peer channel fetch config), decode it (configtxlator), change it, compute the update, have the
// admins the changed element's mod_policy names sign it (peer channel signconfigtx), submit it
// (peer channel update) and wait until every organisation's peer has committed it.
import console from 'node:console';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bin, ordererArgs } from './config.mjs';
import { peerCli, submit } from './chaincode.mjs';
import { run, stage, topology, upState, waitFor } from './lib.mjs';

const { channel, orgs } = topology;
const STAGE = 'channel configuration update';

function configtxlator(args) {
    return run(STAGE, bin('configtxlator'), args);
}

/** configtxlator proto_decode (`direction` 'decode': protobuf to JSON) or proto_encode, of message `type`. */
const codec = (direction, type, input, output) =>
    configtxlator([`proto_${direction}`, '--input', input, '--type', type, '--output', output]);

/** The channel's latest config block as `org`'s admin fetches it, decoded: { number, config }. */
async function latestConfig(org, dir) {
    const block = path.join(dir, 'block.pb');
    await peerCli(STAGE, org, org.admin, [
        'channel',
        'fetch',
        'config',
        block,
        '-c',
        channel,
        ...ordererArgs(upState().orderers),
    ]);
    await codec('decode', 'common.Block', block, path.join(dir, 'block.json'));
    const decoded = JSON.parse(fs.readFileSync(path.join(dir, 'block.json'), 'utf8'));
    return { number: Number(decoded.header.number), config: decoded.data.data[0].payload.data.config };
}

/** The channel's current configuration, decoded, as `org`'s admin fetches it. */
export async function currentConfig(org) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sealpact-config-'));
    try {
        return (await latestConfig(org, dir)).config;
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

/** The update from `config` to `updated`, in a CONFIG_UPDATE envelope to sign and submit: its file. */
async function updateEnvelope(dir, config, updated) {
    const file = (name) => path.join(dir, name);
    fs.writeFileSync(file('config.json'), JSON.stringify(config));
    fs.writeFileSync(file('updated.json'), JSON.stringify(updated));
    for (const name of ['config', 'updated']) {
        await codec('encode', 'common.Config', file(`${name}.json`), file(`${name}.pb`));
    }
    await configtxlator([
        'compute_update',
        '--channel_id',
        channel,
        '--original',
        file('config.pb'),
        '--updated',
        file('updated.pb'),
        '--output',
        file('update.pb'),
    ]);
    await codec('decode', 'common.ConfigUpdate', file('update.pb'), file('update.json'));
    const wrapped = {
        payload: {
            header: { channel_header: { channel_id: channel, type: 2 } }, // 2: CONFIG_UPDATE
            data: { config_update: JSON.parse(fs.readFileSync(file('update.json'), 'utf8')) },
        },
    };
    fs.writeFileSync(file('envelope.json'), JSON.stringify(wrapped));
    await codec('encode', 'common.Envelope', file('envelope.json'), file('envelope.pb'));
    return file('envelope.pb');
}

/**
 * Changes the channel configuration: `change(config)` edits the decoded config (JSON, as
 * configtxlator writes it) in place; `signers` are the organisations whose admins sign, the last
 * of which submits. Returns the number of the new config block once every peer has it.
 */
export async function updateChannelConfig(change, signers) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sealpact-config-'));
    try {
        const submitter = signers.at(-1);
        const { number: previous, config } = await latestConfig(submitter, dir);
        const updated = globalThis.structuredClone(config);
        change(updated);
        const envelope = await updateEnvelope(dir, config, updated);
        for (const org of signers.slice(0, -1)) {
            await peerCli(STAGE, org, org.admin, ['channel', 'signconfigtx', '-f', envelope]);
        }
        // peer channel update signs as the submitter too.
        await submit(STAGE, submitter, submitter.admin, [
            'channel',
            'update',
            '-f',
            envelope,
            '-c',
            channel,
            ...ordererArgs(upState().orderers),
        ]);
        const number = await waitFor(
            STAGE,
            async () => {
                const latest = (await latestConfig(submitter, dir)).number;
                return latest > previous && latest;
            },
            30000,
            'the orderers to cut the new config block',
        );
        await peersHave(number);
        return number;
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

/** The height of the channel's ledger on `org`'s peer: the number of blocks it has committed. */
export async function peerHeight(org) {
    const { stdout } = await peerCli(STAGE, org, org.admin, ['channel', 'getinfo', '-c', channel]);
    return JSON.parse(stdout.slice(stdout.indexOf('{'))).height;
}

/** Waits (up to `timeoutMs` each) until the peer of each of `organisations` has committed block `number`. */
export async function peersHave(number, organisations = orgs, timeoutMs = 30000) {
    stage(`${STAGE}: waiting for ${organisations.map((org) => org.peer.name).join(', ')} to commit block ${number}`);
    await Promise.all(
        organisations.map((org) =>
            waitFor(
                STAGE,
                async () => (await peerHeight(org)) > number,
                timeoutMs,
                `${org.peer.name} to commit block ${number}`,
            ),
        ),
    );
    console.log(`[network]   ${organisations.length === 1 ? 'it has' : 'every one has'} block ${number}`);
}
