import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { defined } from '../protocol/src/test-support/defined';
import { readTopology, ROOT } from './support/fabric';

/**
 * docker-compose.yaml cannot run here (no Docker engine), so this checks it describes the same
 * network as the native scripts: every expected value comes from network/topology.json, the one
 * source both read.
 */

interface Service {
    image?: string;
    build?: { context: string; dockerfile: string };
    profiles?: string[];
    network_mode?: string;
    environment: Record<string, string | number>;
    volumes?: string[];
    user?: string;
}

const topology = readTopology();
const compose = parse(readFileSync(join(ROOT, 'docker-compose.yaml'), 'utf8')) as {
    'x-sealpact': { channel: string; chaincode: string; fabricVersion: string };
    services: Record<string, Service>;
};
const env = (service: Service, name: string) => String(service.environment[name]);
const serviceNamed = (name: string): Service => defined(compose.services[name], `the service ${name}`);
const at = (port: number) => `${topology.host}:${port}`;

describe('docker-compose.yaml matches network/topology.json', () => {
    it('has exactly the orderers, the peers and the chaincode service', () => {
        expect(Object.keys(compose.services).sort()).toEqual(
            [
                ...topology.ordererOrg.orderers.map((o) => o.name),
                ...topology.orgs.map((o) => o.peer.name),
                'chaincode',
            ].sort(),
        );
    });

    it('uses the official images at the native Fabric version, on host networking', () => {
        for (const node of topology.ordererOrg.orderers) {
            expect(serviceNamed(node.name).image).toBe(
                `hyperledger/fabric-orderer:\${FABRIC_VERSION:-${topology.fabric.version}}`,
            );
        }
        for (const org of topology.orgs) {
            expect(serviceNamed(org.peer.name).image).toBe(
                `hyperledger/fabric-peer:\${FABRIC_VERSION:-${topology.fabric.version}}`,
            );
        }
        for (const service of Object.values(compose.services)) expect(service.network_mode).toBe('host');
        expect(compose['x-sealpact'].fabricVersion).toBe(topology.fabric.version);
    });

    it('runs the first orderer by default and the other two in the raft3 profile', () => {
        const [first, ...rest] = topology.ordererOrg.orderers;
        expect(serviceNamed(defined(first, 'an orderer').name).profiles).toBeUndefined();
        for (const node of rest) expect(serviceNamed(node.name).profiles).toEqual(['raft3']);
    });

    it('gives each orderer its MSP ID, ports, channel participation and TLS', () => {
        for (const node of topology.ordererOrg.orderers) {
            const service = serviceNamed(node.name);
            expect(env(service, 'ORDERER_GENERAL_LOCALMSPID')).toBe(topology.ordererOrg.mspId);
            expect(
                `${env(service, 'ORDERER_GENERAL_LISTENADDRESS')}:${env(service, 'ORDERER_GENERAL_LISTENPORT')}`,
            ).toBe(at(node.port));
            expect(env(service, 'ORDERER_ADMIN_LISTENADDRESS')).toBe(at(node.adminPort));
            expect(env(service, 'ORDERER_OPERATIONS_LISTENADDRESS')).toBe(at(node.operationsPort));
            expect(env(service, 'ORDERER_GENERAL_BOOTSTRAPMETHOD')).toBe('none');
            expect(env(service, 'ORDERER_CHANNELPARTICIPATION_ENABLED')).toBe('true');
            expect(env(service, 'ORDERER_GENERAL_TLS_ENABLED')).toBe('true');
            expect(env(service, 'ORDERER_ADMIN_TLS_CLIENTAUTHREQUIRED')).toBe('true');
            expect(env(service, 'ORDERER_GENERAL_LOCALMSPDIR')).toContain(
                `/${topology.ordererOrg.domain}/nodes/${node.name}/msp`,
            );
        }
    });

    it('gives each peer its MSP ID, ports, LevelDB, TLS and the ccaas builder', () => {
        for (const org of topology.orgs) {
            const service = serviceNamed(org.peer.name);
            expect(env(service, 'CORE_PEER_ID')).toBe(org.peer.name);
            expect(env(service, 'CORE_PEER_LOCALMSPID')).toBe(org.mspId);
            expect(env(service, 'CORE_PEER_LISTENADDRESS')).toBe(at(org.peer.port));
            expect(env(service, 'CORE_PEER_ADDRESS')).toBe(at(org.peer.port));
            expect(env(service, 'CORE_PEER_GOSSIP_EXTERNALENDPOINT')).toBe(at(org.peer.port));
            expect(env(service, 'CORE_PEER_CHAINCODELISTENADDRESS')).toBe(at(org.peer.chaincodePort));
            expect(env(service, 'CORE_OPERATIONS_LISTENADDRESS')).toBe(at(org.peer.operationsPort));
            expect(env(service, 'CORE_LEDGER_STATE_STATEDATABASE')).toBe('goleveldb');
            expect(env(service, 'CORE_PEER_TLS_ENABLED')).toBe('true');
            expect(env(service, 'CORE_PEER_MSPCONFIGPATH')).toContain(`/${org.domain}/nodes/${org.peer.name}/msp`);
            expect(parse(env(service, 'CORE_CHAINCODE_EXTERNALBUILDERS'))).toEqual([
                {
                    name: 'sealpact-ccaas',
                    path: '/opt/sealpact/builders/ccaas',
                    // The builder's release step adds the peer's TLS key pair to connection.json.
                    propagateEnvironment: ['CORE_PEER_TLS_KEY_FILE', 'CORE_PEER_TLS_CERT_FILE'],
                },
            ]);
            expect(service.volumes).toContain('./network/builders/ccaas:/opt/sealpact/builders/ccaas:ro');
        }
    });

    it('builds the chaincode-as-a-service container from chaincode/ and serves it on the package address', () => {
        const service = serviceNamed('chaincode');
        expect(service.build).toEqual({ context: '.', dockerfile: 'chaincode/Dockerfile' });
        expect(env(service, 'CHAINCODE_SERVER_ADDRESS')).toBe(at(topology.chaincode.port));
        expect(env(service, 'CHAINCODE_ID')).toContain('SEALPACT_CHAINCODE_ID');
        expect(readFileSync(join(ROOT, 'chaincode', 'Dockerfile'), 'utf8')).toContain('fabric-shim/cli.js server');
    });

    it('starts the chaincode server with the bootstrap governance and the clock skew of topology.json', () => {
        const service = serviceNamed('chaincode');
        const { governingMsps, authorityMsps, auditorMsps } = topology.chaincode.governance;
        const sorted = (list: string[]) => [...new Set(list)].sort();
        expect(env(service, 'SEALPACT_GOVERNANCE')).toBe(
            JSON.stringify({
                auditorMsps: sorted(auditorMsps),
                authorityMsps: sorted(authorityMsps),
                governingMsps: sorted(governingMsps),
            }),
        );
        expect(env(service, 'CLOCK_SKEW')).toBe(String(topology.chaincode.clockSkewSeconds));
    });

    it("serves the chaincode over TLS with its serverName's certificate, requiring the peers' client certificates", () => {
        const service = serviceNamed('chaincode');
        const tls = `./network/.data/crypto/${topology.ccaas.domain}/servers/${topology.chaincode.serverName}/tls`;
        expect(service.volumes).toEqual([`${tls}:/etc/sealpact/tls:ro`]);
        expect(env(service, 'CORE_CHAINCODE_TLS_CERT_FILE')).toBe('/etc/sealpact/tls/server.crt');
        expect(env(service, 'CORE_CHAINCODE_TLS_KEY_FILE')).toBe('/etc/sealpact/tls/server.key');
        expect(env(service, 'CORE_CHAINCODE_TLS_CLIENT_CACERT_FILE')).toBe('/etc/sealpact/tls/client-ca.crt');
        expect(service.user).toBe('${SEALPACT_UID:-1000}:${SEALPACT_GID:-1000}');
    });

    it('names the same channel and chaincode', () => {
        expect(compose['x-sealpact'].channel).toBe(topology.channel);
        expect(compose['x-sealpact'].chaincode).toBe(topology.chaincode.name);
    });
});
