// node network/scripts/deploy-definition.mjs --name NAME — commits another definition of the Sealpact
// chaincode on the running native network, named NAME, for tests that need a fresh chaincode
// state (test/governance-bootstrap.test.ts): each org approves it with its own Sealpact package,
// so its running Sealpact chaincode server answers it (a peer launches chaincode by package id, and
// the chaincode reads the chaincode name from each proposal), but its own namespace, so nothing is
// set yet. Not even the governance: network:up's bootstrap is for "sealpact" only.
//
// Idempotent: installs nothing new, approves and commits NAME unless already committed, then
// waits until each org's gateway gets a WhoAmI endorsed by a majority (never submitted).
import console from 'node:console';
import { writeChaincodePackages } from './config.mjs';
import { deployChaincode, waitForGatewayEndorsement } from './chaincode.mjs';
import { main, parseOptions, runningPid, StageError, topology, upState } from './lib.mjs';

const USAGE = {
    usage: 'node network/scripts/deploy-definition.mjs --name NAME',
    summary: 'Commits another definition of the Sealpact chaincode package under a new name.',
    options: {
        name: {
            type: 'string',
            value: 'NAME',
            required: true,
            description: `the new chaincode name (letters and digits, - or _ between them; not "${topology.chaincode.name}")`,
            parse: (text) => {
                if (!/^[a-zA-Z0-9]+([-_][a-zA-Z0-9]+)*$/.test(text)) {
                    throw new Error('must be letters and digits with - or _ between them');
                }
                if (text === topology.chaincode.name) throw new Error('must be a new chaincode name');
                return text;
            },
        },
    },
};

async function deployDefinition() {
    const { name } = parseOptions(USAGE).values;
    const state = upState();
    if (!state || state.docker) throw new StageError('needs the native network: run npm run network:up (not --docker)');
    const servers = writeChaincodePackages(topology.chaincode);
    const down = [...topology.orgs.map((org) => org.peer.name), ...servers.map((server) => server.name)].filter(
        (proc) => !runningPid(proc),
    );
    if (down.length > 0) throw new StageError(`not running: ${down.join(', ')}; run npm run network:up`);
    await deployChaincode({ ...topology.chaincode, name }, servers, state.orderers);
    await waitForGatewayEndorsement('definition ready', name, 'WhoAmI');
    console.log(`[network] chaincode definition "${name}" committed on each org's Sealpact package`);
    return 0;
}

main(deployDefinition);
