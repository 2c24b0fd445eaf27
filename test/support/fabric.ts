import * as grpc from '@grpc/grpc-js';
import { connect, Gateway, GatewayError, Network, signers } from '@hyperledger/fabric-gateway';
import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { IdentityName } from '../../chaincode/src/test-support/fixtures';
import { Ledger, TxResult } from '../../chaincode/src/test-support/ledger';

/** The connection profile network:up writes (see network/scripts/config.mjs). */
export interface ConnectionProfile {
    fabricVersion: string;
    channel: string;
    chaincode: string;
    orgs: Record<
        string,
        {
            name: string;
            mspId: string;
            peer: { name: string; endpoint: string; hostnameOverride: string; tlsCACert: string };
            identities: Record<string, { role: string; cn: string; msp: string; cert: string; key: string }>;
        }
    >;
}

export const ROOT = join(__dirname, '..', '..');
export const PROFILE_PATH = join(ROOT, 'network', '.data', 'connection.json');

export function profile(): ConnectionProfile {
    return JSON.parse(readFileSync(PROFILE_PATH, 'utf8'));
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
 * The chaincode's message ("CODE: text") out of a Fabric Gateway error, whose own message is
 * generic ("10 ABORTED: failed to endorse transaction, see attached details for more info") and
 * whose details carry each peer's "chaincode response 500, CODE: text".
 */
export function chaincodeMessage(error: unknown): string | undefined {
    const texts = [String((error as Error)?.message ?? error)];
    if (error instanceof GatewayError) texts.push(...error.details.map((detail) => detail.message));
    for (const text of texts) {
        const match = /chaincode response \d+, ([\s\S]*)$/.exec(text);
        if (match) return match[1];
    }
    return undefined;
}

function asChaincodeError(error: unknown): Error {
    const message = chaincodeMessage(error);
    if (message === undefined) return error as Error;
    const wrapped = new Error(message);
    (wrapped as Error & { cause: unknown }).cause = error;
    return wrapped;
}

/**
 * "Call a transaction as identity X" on the real network: every identity connects through the
 * Fabric Gateway of its own organisation's peer; the gateway collects endorsements from enough
 * organisations' peers for the chaincode's policy (a majority) and waits for the commit.
 */
export class FabricLedger implements Ledger {
    readonly channel: string;
    readonly chaincode: string;
    private readonly gateways = new Map<IdentityName, Gateway>();
    private readonly clients: grpc.Client[] = [];

    constructor(private readonly connection: ConnectionProfile = profile()) {
        this.channel = connection.channel;
        this.chaincode = connection.chaincode;
    }

    gateway(who: IdentityName): Gateway {
        let gateway = this.gateways.get(who);
        if (!gateway) {
            const [mspId, name] = IDENTITIES[who];
            const org = this.connection.orgs[mspId];
            const identity = org?.identities[name];
            if (!identity) throw new Error(`the connection profile has no identity ${name} in ${mspId}`);
            const client = new grpc.Client(
                org.peer.endpoint,
                grpc.credentials.createSsl(readFileSync(org.peer.tlsCACert)),
                { 'grpc.ssl_target_name_override': org.peer.hostnameOverride },
            );
            this.clients.push(client);
            gateway = connect({
                client,
                identity: { mspId, credentials: readFileSync(identity.cert) },
                signer: signers.newPrivateKeySigner(createPrivateKey(readFileSync(identity.key))),
                evaluateOptions: () => ({ deadline: Date.now() + 15000 }),
                endorseOptions: () => ({ deadline: Date.now() + 30000 }),
                submitOptions: () => ({ deadline: Date.now() + 15000 }),
                commitStatusOptions: () => ({ deadline: Date.now() + 60000 }),
            });
            this.gateways.set(who, gateway);
        }
        return gateway;
    }

    network(who: IdentityName): Network {
        return this.gateway(who).getNetwork(this.channel);
    }

    async submit(who: IdentityName, transaction: string, ...args: string[]): Promise<TxResult> {
        const contract = this.network(who).getContract(this.chaincode);
        try {
            const endorsed = await contract.newProposal(transaction, { arguments: args }).endorse();
            const commit = await endorsed.submit();
            const status = await commit.getStatus();
            if (!status.successful) {
                throw new Error(`${transaction} ${endorsed.getTransactionId()} failed validation: code ${status.code}`);
            }
            return { payload: Buffer.from(endorsed.getResult()).toString('utf8'), txId: endorsed.getTransactionId() };
        } catch (error) {
            throw asChaincodeError(error);
        }
    }

    async evaluate(who: IdentityName, transaction: string, ...args: string[]): Promise<string> {
        const contract = this.network(who).getContract(this.chaincode);
        try {
            return Buffer.from(await contract.evaluateTransaction(transaction, ...args)).toString('utf8');
        } catch (error) {
            throw asChaincodeError(error);
        }
    }

    close(): void {
        for (const gateway of this.gateways.values()) gateway.close();
        for (const client of this.clients) client.close();
        this.gateways.clear();
    }
}

/** An id unique to this test run: the network's ledger outlives test runs. */
export function runId(): string {
    return `${Date.now().toString(36)}${Math.floor(Math.random() * 1296)
        .toString(36)
        .padStart(2, '0')}`;
}
