// Caliper's network configuration for the native network, written from what network:up wrote:
// network/.data/connection.json (the SDK's profile: each peer's endpoint, TLS CA and TLS server
// name, each user's MSP certificate and key). Caliper 0.6's peer-gateway connector (the one it uses
// when @hyperledger/fabric-gateway is installed) connects each identity to the first peer of its
// organisation, with server-side TLS only (it refuses mutualTls; the peers do not ask for client
// certificates), and that peer's gateway gathers the other endorsements as the SDK's does.
import fs from 'node:fs';
import path from 'node:path';
import { writeYaml } from './yaml-file.mjs';

/**
 * Writes <outDir>/network.yaml and, beside it, one common connection profile per organisation of
 * `submitters` ("MSPID/user", as the SDK names identities). Returns the Caliper identity names of
 * the submitters (their user names) in the same order, and the network configuration's path.
 */
export function writeNetworkConfig({ profilePath, submitters, chaincodes, outDir }) {
    const profile = JSON.parse(fs.readFileSync(profilePath, 'utf8'));
    const userOf = (name) => name.split('/')[1];
    const mspIds = [...new Set(submitters.map((name) => name.split('/')[0]))];
    const organizations = mspIds.map((mspId) => {
        const org = profile.orgs[mspId];
        if (!org) throw new Error(`${profilePath} has no organisation ${mspId}`);
        const users = submitters.filter((name) => name.startsWith(`${mspId}/`)).map(userOf);
        return {
            mspid: mspId,
            identities: {
                certificates: users.map((user) => {
                    const identity = org.identities[user];
                    if (!identity) throw new Error(`${profilePath} has no identity ${user} in ${mspId}`);
                    return {
                        name: user,
                        clientSignedCert: { path: identity.cert },
                        clientPrivateKey: { path: identity.key },
                    };
                }),
            },
            connectionProfile: { path: writeConnectionProfile(org, outDir), discover: true },
        };
    });
    const config = {
        name: profile.name,
        version: '2.0.0',
        caliper: { blockchain: 'fabric', sutOptions: { mutualTls: false } },
        channels: [{ channelName: profile.channel, contracts: chaincodes.map((id) => ({ id })) }],
        organizations,
    };
    const file = writeYaml(path.join(outDir, 'network.yaml'), config);
    return { file, identities: submitters.map(userOf) };
}

/** A common connection profile naming the organisation's one peer, for Caliper's connector. */
function writeConnectionProfile(org, outDir) {
    const { peer } = org;
    const profile = {
        name: `${org.name}-profile`,
        version: '1.0.0',
        client: { organization: org.name },
        organizations: { [org.name]: { mspid: org.mspId, peers: [peer.name] } },
        peers: {
            [peer.name]: {
                url: `grpcs://${peer.endpoint}`,
                tlsCACerts: { path: peer.tlsCACert },
                grpcOptions: { 'ssl-target-name-override': peer.hostnameOverride },
            },
        },
    };
    return writeYaml(path.join(outDir, `profile-${org.name.toLowerCase()}.yaml`), profile);
}
