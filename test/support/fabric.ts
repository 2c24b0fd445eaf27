import { Network } from '@hyperledger/fabric-gateway';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isSealpactError } from '@sealpact/protocol';
import { CommitClock } from '../../client/src/sdk/commit-clock';
import { LedgerConnection } from '../../client/src/sdk/ledger';
import { ConnectionProfile, loadProfile } from '../../client/src/sdk/profile';
import { IdentityName } from '../../chaincode/src/test-support/fixtures';
import { Ledger, TxResult } from '../../chaincode/src/test-support/ledger';

export const ROOT = join(__dirname, '..', '..');
export const PROFILE_PATH = join(ROOT, 'network', '.data', 'connection.json');

/** network/topology.json, the one description of the network both the scripts and docker-compose.yaml follow. */
export interface Topology {
    fabric: { version: string };
    fabricCa: { version: string };
    host: string;
    /** The multi-host layout's bridge, subnet and this machine's address on it (docs/operations.md#multi-host-layout). */
    multiHost: { bridge: string; subnet: string; hostAddress: string };
    channel: string;
    ordererOrg: {
        name: string;
        mspId: string;
        domain: string;
        address: string;
        ca: TopologyCa;
        admin: string;
        orderers: { name: string; port: number; adminPort: number; operationsPort: number }[];
    };
    orgs: TopologyOrg[];
    /** Organisations that join the running channel later (network:add-org). */
    joiningOrgs: TopologyOrg[];
    chaincode: {
        name: string;
        label: string;
        clockSkewSeconds: number;
        governance: { governingMsps: string[]; authorityMsps: string[]; auditorMsps: string[] };
    };
}

/** An organisation's CA server (network/scripts/ca.mjs): its name, port and /healthz port. */
export interface TopologyCa {
    name: string;
    port: number;
    operationsPort: number;
}

export interface TopologyOrg {
    name: string;
    mspId: string;
    domain: string;
    /** Its own address in the multi-host layout. */
    address: string;
    ca: TopologyCa;
    admin: string;
    peer: { name: string; port: number; chaincodePort: number; operationsPort: number };
    /** Its own chaincode server's port for each chaincode-as-a-service definition, by definition name. */
    chaincodeServerPorts: Record<string, number>;
    /** Its Sealpact chaincode server's operations port (/healthz, /metrics), by definition name. */
    chaincodeOperationsPorts: Record<string, number>;
    /** Its users; one with `cn` has that CN (another user's) and `extraOUs` after its NodeOU. */
    users: { name: string; cn?: string; extraOUs?: string[] }[];
}

export function readTopology(): Topology {
    return JSON.parse(readFileSync(join(ROOT, 'network', 'topology.json'), 'utf8')) as Topology;
}

/**
 * The channel's member organisations, as network/scripts/lib.mjs counts them: topology.json's
 * `orgs`, then each of its `joiningOrgs` that network:add-org brought in (network/.data/state.json
 * `joined`). The integration tests share one network and add-org.test.ts adds Org3 to it, so a test
 * that counts organisations asks this, not topology.json.
 */
export function memberOrgs(topology: Topology = readTopology()): TopologyOrg[] {
    const joined = networkState().joined ?? [];
    return [...topology.orgs, ...topology.joiningOrgs.filter((org) => joined.includes(org.name))];
}

/** network/.data/state.json: what network:up and network:add-org recorded (empty before either ran). */
export function networkState(): { joined?: string[]; netns?: boolean; docker?: boolean } {
    const state = join(ROOT, 'network', '.data', 'state.json');
    return existsSync(state) ? (JSON.parse(readFileSync(state, 'utf8')) as ReturnType<typeof networkState>) : {};
}

/**
 * The address an organisation's processes serve on, as network/scripts/lib.mjs `hostOf` says: its
 * own in the multi-host layout (network:up -- --netns or --docker), else topology.json's `host`.
 */
export function hostOf(org: { address: string }, topology: Topology = readTopology()): string {
    const state = networkState();
    return state.netns || state.docker ? org.address : topology.host;
}

/** The members' MSP IDs in the order the channel configuration lists its organisations (sorted, as here by name). */
export function memberMspIds(): string[] {
    return memberOrgs()
        .map((org) => org.mspId)
        .sort();
}

/** The channel's Endorsement policy as the SDK's errors name it: "MAJORITY (3 of 4)", or of five once Org3 joined. */
export function majorityOfMembers(): string {
    const count = memberOrgs().length;
    return `MAJORITY (${Math.floor(count / 2) + 1} of ${count})`;
}

/**
 * An organisation's chaincode server of a definition, as network/scripts/config.mjs
 * `chaincodeServers` names it: `name` is its process, docker-compose service and TLS server name.
 */
export function chaincodeServer(org: TopologyOrg, definition: { name: string }): { name: string; port: number } {
    const port = org.chaincodeServerPorts[definition.name];
    if (port === undefined)
        throw new Error(`topology.json: ${org.name} has no chaincodeServerPorts.${definition.name}`);
    return { name: `${definition.name}-ccaas.${org.domain}`, port };
}

export function profile(): ConnectionProfile {
    return loadProfile(PROFILE_PATH);
}

/** The chaincode scenarios' identity names and the network identities (MSP ID, folder name) that play them. */
export const IDENTITIES: Record<IdentityName, [string, string]> = {
    alice: ['Org1MSP', 'alice@org1.example.com'],
    dave: ['Org1MSP', 'dave@org1.example.com'],
    org1Admin: ['Org1MSP', 'Admin@org1.example.com'],
    bob: ['Org2MSP', 'bob@org2.example.com'],
    bobTwin: ['Org2MSP', 'bob-sales@org2.example.com'],
    carol: ['Org2MSP', 'carol@org2.example.com'],
    org2Admin: ['Org2MSP', 'Admin@org2.example.com'],
    verifier: ['AuthorityOrgMSP', 'verifier@authority.example.com'],
    auditor: ['AuditorOrgMSP', 'auditor@auditor.example.com'],
};

/**
 * "Call a transaction as identity X" on the real network, through the SDK's own connection: every
 * identity connects through the Fabric Gateway of its own organisation's peer, which collects
 * endorsements from enough organisations for the chaincode's policy (a majority) and waits for the
 * commit. A refusal rejects with the chaincode's "CODE: text" as the message.
 *
 * A submit waits for the commit on the submitter's peer only; another organisation's peer may
 * commit that block a few milliseconds later. So that a test reads its own writes, as the chaincode
 * unit tests' single ledger does, every identity's connection shares one CommitClock.
 */
export class FabricLedger implements Ledger {
    readonly channel: string;
    readonly chaincode: string;
    private readonly connections = new Map<IdentityName, LedgerConnection>();
    private readonly clock = new CommitClock();

    constructor(private readonly connection: ConnectionProfile = profile()) {
        this.channel = connection.channel;
        this.chaincode = connection.chaincode;
    }

    connectionOf(who: IdentityName): LedgerConnection {
        let connection = this.connections.get(who);
        if (!connection) {
            const [mspId, name] = IDENTITIES[who];
            connection = new LedgerConnection(this.connection, `${mspId}/${name}`, { clock: this.clock });
            this.connections.set(who, connection);
        }
        return connection;
    }

    network(who: IdentityName): Network {
        return this.connectionOf(who).network;
    }

    async submit(who: IdentityName, transaction: string, ...args: string[]): Promise<TxResult> {
        return this.connectionOf(who).submit(transaction, ...args);
    }

    async evaluate(who: IdentityName, transaction: string, ...args: string[]): Promise<string> {
        return this.connectionOf(who).evaluate(transaction, ...args);
    }

    close(): void {
        for (const connection of this.connections.values()) connection.close();
        this.connections.clear();
    }
}

/** An id unique to this test run: the network's ledger outlives test runs. */
export function runId(): string {
    return `${Date.now().toString(36)}${Math.floor(Math.random() * 1296)
        .toString(36)
        .padStart(2, '0')}`;
}

/** The code of the SealpactError a call rejects with; anything else (or success) fails the test. */
export async function refusal(promise: Promise<unknown>): Promise<string> {
    try {
        await promise;
    } catch (err) {
        if (isSealpactError(err)) return err.code;
        throw err;
    }
    throw new Error('expected a refusal');
}
