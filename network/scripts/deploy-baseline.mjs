// node network/scripts/deploy-baseline.mjs — benchmark only (npm run bench:e2e runs it): deploys the
// baseline chaincode (chaincode/src/baseline: one PutState per transaction, and ShareFile's state
// calls without its rules) on the running native network, on the same channel and with the same
// endorsement policy as Sealpact, as a second chaincode-as-a-service (topology.json
// `baselineChaincode`) with, like Sealpact, one server and one package per organisation.
// network:up never deploys it.
//
// Idempotent: starts each org's server unless it runs (process baseline-ccaas.<org domain>, pid
// file in network/.data/run, so network:down stops it), installs each org's package on its peer,
// approves and commits the definition unless already committed, then waits until each org's
// gateway gets a Put endorsed (never submitted).
import console from 'node:console';
import fs from 'node:fs';
import path from 'node:path';
import { writeChaincodePackages } from './config.mjs';
import {
    deployChaincode,
    startChaincodeServer,
    stopStaleChaincodeServers,
    waitForGatewayEndorsement,
} from './chaincode.mjs';
import { CONFIG, main, parseOptions, ROOT, runningPid, stage, StageError, topology, upState } from './lib.mjs';

const baseline = topology.baselineChaincode;

async function deployBaseline() {
    parseOptions({
        usage: 'node network/scripts/deploy-baseline.mjs',
        summary:
            "Benchmark only: deploys the baseline chaincode (topology.json's baselineChaincode) on the native network.",
        options: {},
    });
    const state = upState();
    if (!state || state.docker) {
        throw new StageError(
            state
                ? 'the baseline chaincode is deployed on the native network only, not with --docker'
                : 'no network; run npm run network:up first',
        );
    }
    const down = topology.orgs.filter((org) => !runningPid(org.peer.name)).map((org) => org.peer.name);
    if (down.length > 0) throw new StageError(`not running: ${down.join(', ')}; run npm run network:up first`);
    const module = path.join(ROOT, baseline.module);
    if (!fs.existsSync(module)) {
        throw new StageError(`${baseline.module} is missing; run npm run build:bench first`);
    }

    // fabric-chaincode-node serves the `main` of the package.json in --module-path: a folder of our own
    // naming the baseline module, so chaincode/package.json (Sealpact's) is not involved.
    const modulePath = path.join(CONFIG, 'baseline');
    fs.mkdirSync(modulePath, { recursive: true });
    fs.writeFileSync(
        path.join(modulePath, 'package.json'),
        JSON.stringify({ name: 'sealpact-baseline', version: baseline.version, main: module }, null, 4) + '\n',
    );

    const servers = writeChaincodePackages(baseline);
    await stopStaleChaincodeServers('baseline servers', servers, fs.statSync(module).mtimeMs);
    stage(`baseline servers: ${servers.map((server) => `${server.name} (port ${server.port})`).join(', ')}`);
    for (const server of servers) await startChaincodeServer(server, baseline, modulePath);

    await deployChaincode(baseline, servers, state.orderers);

    stage(`baseline ready: each org's gateway gets "${baseline.name}" Put endorsed (not submitted)`);
    await waitForGatewayEndorsement('baseline ready', baseline.name, 'Put', ['bench-ready', '1']);
    console.log(`[network] baseline chaincode "${baseline.name}" deployed; network:down stops its servers`);
    return 0;
}

main(deployBaseline);
