// node test/support/earlier-chaincode.mjs --build DIR --name NAME --version VERSION | --stop
//
// The upgrade test's old network: each organisation runs a chaincode server of the earlier build in
// DIR (an export of an earlier commit, installed and built: earlier-build.ts), process
// sealpact-earlier-ccaas.<org domain>, on a free port with a TLS certificate from its org's TLS CA and
// a package of its own; chaincode definition NAME is committed on those packages at sequence 1, as
// a network deployed from that build holds it. npm run network:upgrade -- --name NAME then moves
// NAME to the current build's servers. --stop stops the earlier build's servers.
import console from 'node:console';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { writeChaincodePackage } from '../../network/scripts/config.mjs';
import { chaincodeServerPaths, chaincodeServerTls } from '../../network/scripts/crypto.mjs';
import { deployChaincode, startChaincodeServer, waitForGatewayEndorsement } from '../../network/scripts/chaincode.mjs';
import { main, parseOptions, stage, StageError, stopProcess, topology, upState } from '../../network/scripts/lib.mjs';

const USAGE = {
    usage: 'node test/support/earlier-chaincode.mjs --build DIR --name NAME --version VERSION | --stop',
    summary: "Serves an earlier build's chaincode from each org and commits definition NAME on it (the upgrade test).",
    options: {
        build: { type: 'string', value: 'DIR', description: 'the earlier build: an exported commit, built' },
        name: { type: 'string', value: 'NAME', description: 'the chaincode definition to commit on it' },
        version: { type: 'string', value: 'VERSION', description: "the definition's version" },
        stop: { type: 'boolean', description: "stop the earlier build's servers" },
    },
};

const LABEL = 'sealpact_earlier_ccaas';
const serverName = (org) => `sealpact-earlier-ccaas.${org.domain}`;

/**
 * A port nothing listens on now: the earlier servers are not in topology.json. Asked of this
 * machine's loopback; with network:up -- --netns the server listens in its organisation's
 * namespace, whose only listeners are the network's own, on topology.json's ports, below the
 * ephemeral range that listen(0) picks from.
 */
function freePort() {
    return new Promise((resolve, reject) => {
        const server = net.createServer();
        server.once('error', reject);
        server.listen(0, topology.host, () => {
            const { port } = server.address();
            server.close(() => resolve(port));
        });
    });
}

async function stopServers() {
    for (const org of topology.orgs) await stopProcess(serverName(org));
}

async function deployEarlier({ build, name, version }) {
    const state = upState();
    if (!state || state.docker) throw new StageError('needs the native network: run npm run network:up');
    const modulePath = path.join(build, 'chaincode');
    if (!fs.existsSync(path.join(modulePath, 'dist', 'index.js'))) {
        throw new StageError(`${modulePath} is not built (no dist/index.js)`);
    }
    await stopServers(); // a run that failed before stopping them
    const definition = { ...topology.chaincode, name, version, label: LABEL, sequence: 1 };
    const servers = [];
    for (const org of topology.orgs) {
        const server = { org, name: serverName(org), serverName: serverName(org), port: await freePort() };
        if (!fs.existsSync(chaincodeServerPaths(server).cert)) await chaincodeServerTls(server);
        servers.push({ ...server, packageId: writeChaincodePackage(definition, server) });
    }
    stage(`earlier build ${build}: ${servers.map((server) => `${server.name} (port ${server.port})`).join(', ')}`);
    for (const server of servers) await startChaincodeServer(server, definition, undefined, build);
    await deployChaincode(definition, servers, state.orderers);
    await waitForGatewayEndorsement('earlier build ready', name, 'WhoAmI');
    console.log(`[network] chaincode definition "${name}" ${version} committed on the earlier build's servers`);
}

main(async () => {
    const { values } = parseOptions(USAGE);
    if (values.stop) {
        await stopServers();
        return 0;
    }
    if (!values.build || !values.name || !values.version)
        throw new StageError('--build, --name and --version are needed');
    await deployEarlier(values);
    return 0;
});
