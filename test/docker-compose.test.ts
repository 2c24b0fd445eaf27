import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { defined } from '../protocol/src/test-support/defined';
import { chaincodeServer, readTopology, ROOT } from './support/fabric';

/**
 * docker-compose.yaml cannot run here (no Docker engine), so this checks it describes the same
 * network as the native scripts: every expected value comes from network/topology.json, the one
 * source both read.
 */

interface Service {
    image?: string;
    command?: string;
    build?: { context: string; dockerfile: string };
    profiles?: string[];
    network_mode?: string;
    networks?: Record<string, { ipv4_address: string }>;
    restart?: string;
    environment: Record<string, string | number>;
    volumes?: string[];
    user?: string;
}

const topology = readTopology();
const compose = parse(readFileSync(join(ROOT, 'docker-compose.yaml'), 'utf8')) as {
    'x-sealpact': { channel: string; chaincode: string; fabricVersion: string };
    services: Record<string, Service>;
    networks: Record<string, { driver: string; driver_opts: Record<string, string>; ipam: { config: unknown[] } }>;
};
const env = (service: Service, name: string) => String(service.environment[name]);
const serviceNamed = (name: string): Service => defined(compose.services[name], `the service ${name}`);
/** An endpoint of `org` in the multi-host layout: its own address. */
const at = (org: { address: string }, port: number) => `${org.address}:${port}`;
/** A service's operations TLS and metrics settings (<prefix>OPERATIONS_TLS_*, <prefix>METRICS_PROVIDER). */
const operationsSettings = (service: Service, prefix: string) =>
    Object.fromEntries(
        Object.entries(service.environment)
            .filter(([name]) => name.startsWith(`${prefix}OPERATIONS_TLS_`) || name === `${prefix}METRICS_PROVIDER`)
            .map(([name, value]) => [name, String(value)]),
    );
/** Each organisation's Sealpact chaincode server: its service, as network:up names its process. */
const servers = topology.orgs.map((org) => ({ org, ...chaincodeServer(org, topology.chaincode) }));
/** Every organisation with a CA server and a host of its own: the orderers' and each peer organisation. */
const caOrgs = [topology.ordererOrg, ...topology.orgs];
const hostService = (org: { domain: string }) => `host.${org.domain}`;

describe('docker-compose.yaml matches network/topology.json', () => {
    it("has exactly each organisation's host, the CA servers, the orderers, the peers and each organisation's chaincode server", () => {
        expect(Object.keys(compose.services).sort()).toEqual(
            [
                ...caOrgs.map(hostService),
                ...caOrgs.map((org) => org.ca.name),
                ...topology.ordererOrg.orderers.map((o) => o.name),
                ...topology.orgs.map((o) => o.peer.name),
                ...servers.map((server) => server.name),
            ].sort(),
        );
    });

    it("puts each organisation's services in one network namespace on its own address of the multi-host subnet", () => {
        const { bridge, subnet, hostAddress } = topology.multiHost;
        expect(compose.networks).toEqual({
            sealpact: {
                driver: 'bridge',
                driver_opts: { 'com.docker.network.bridge.name': bridge },
                ipam: { config: [{ subnet, gateway: hostAddress }] },
            },
        });
        const orgServices = [
            [topology.ordererOrg, topology.ordererOrg.orderers.map((node) => node.name)] as const,
            ...topology.orgs.map(
                (org) => [org, [org.peer.name, ...servers.filter((s) => s.org === org).map((s) => s.name)]] as const,
            ),
        ];
        for (const [org, names] of orgServices) {
            const host = serviceNamed(hostService(org));
            expect([host.networks, host.network_mode]).toEqual([
                { sealpact: { ipv4_address: org.address } },
                undefined,
            ]);
            for (const name of [org.ca.name, ...names]) {
                expect([name, serviceNamed(name).network_mode]).toEqual([name, `service:${hostService(org)}`]);
            }
        }
    });

    it('uses the official images at the native Fabric version', () => {
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
        expect(compose['x-sealpact'].fabricVersion).toBe(topology.fabric.version);
    });

    it("runs each organisation's CA server from the home network:up configured, at the pinned Fabric CA version", () => {
        for (const org of caOrgs) {
            const service = serviceNamed(org.ca.name);
            expect(service.image).toBe(`hyperledger/fabric-ca:\${FABRIC_CA_VERSION:-${topology.fabricCa.version}}`);
            expect(service.command).toBe('fabric-ca-server start');
            expect(env(service, 'FABRIC_CA_SERVER_HOME')).toBe('/etc/hyperledger/fabric-ca-server');
            expect(service.volumes).toEqual([`./network/.data/ca/${org.domain}:/etc/hyperledger/fabric-ca-server`]);
            expect(service.user).toBe('${SEALPACT_UID:-1000}:${SEALPACT_GID:-1000}');
        }
    });

    it('runs every service by default (network:up names the services to start) and restarts it when it dies', () => {
        for (const [name, service] of Object.entries(compose.services)) {
            expect([name, service.profiles]).toEqual([name, undefined]);
            expect([name, service.restart]).toEqual([name, 'unless-stopped']);
        }
    });

    it('gives each orderer its MSP ID, ports, channel participation, TLS and HTTPS operations with Prometheus metrics', () => {
        for (const node of topology.ordererOrg.orderers) {
            const service = serviceNamed(node.name);
            expect(env(service, 'ORDERER_GENERAL_LOCALMSPID')).toBe(topology.ordererOrg.mspId);
            expect(
                `${env(service, 'ORDERER_GENERAL_LISTENADDRESS')}:${env(service, 'ORDERER_GENERAL_LISTENPORT')}`,
            ).toBe(at(topology.ordererOrg, node.port));
            expect(env(service, 'ORDERER_ADMIN_LISTENADDRESS')).toBe(at(topology.ordererOrg, node.adminPort));
            expect(env(service, 'ORDERER_OPERATIONS_LISTENADDRESS')).toBe(at(topology.ordererOrg, node.operationsPort));
            const tls = `/etc/hyperledger/crypto/${topology.ordererOrg.domain}/nodes/${node.name}/tls`;
            expect(operationsSettings(service, 'ORDERER_')).toEqual({
                ORDERER_OPERATIONS_TLS_ENABLED: 'true',
                ORDERER_OPERATIONS_TLS_CERTIFICATE: `${tls}/server.crt`,
                ORDERER_OPERATIONS_TLS_PRIVATEKEY: `${tls}/server.key`,
                ORDERER_OPERATIONS_TLS_CLIENTAUTHREQUIRED: 'false',
                ORDERER_OPERATIONS_TLS_CLIENTROOTCAS: `[${tls}/ca.crt]`,
                ORDERER_METRICS_PROVIDER: 'prometheus',
            });
            expect(env(service, 'ORDERER_GENERAL_BOOTSTRAPMETHOD')).toBe('none');
            expect(env(service, 'ORDERER_CHANNELPARTICIPATION_ENABLED')).toBe('true');
            expect(env(service, 'ORDERER_GENERAL_TLS_ENABLED')).toBe('true');
            expect(env(service, 'ORDERER_ADMIN_TLS_CLIENTAUTHREQUIRED')).toBe('true');
            expect(env(service, 'ORDERER_GENERAL_LOCALMSPDIR')).toContain(
                `/${topology.ordererOrg.domain}/nodes/${node.name}/msp`,
            );
        }
    });

    it('gives each peer its MSP ID, ports, LevelDB, TLS, HTTPS operations with Prometheus metrics and the ccaas builder', () => {
        for (const org of topology.orgs) {
            const service = serviceNamed(org.peer.name);
            expect(env(service, 'CORE_PEER_ID')).toBe(org.peer.name);
            expect(env(service, 'CORE_PEER_LOCALMSPID')).toBe(org.mspId);
            expect(env(service, 'CORE_PEER_LISTENADDRESS')).toBe(at(org, org.peer.port));
            expect(env(service, 'CORE_PEER_ADDRESS')).toBe(at(org, org.peer.port));
            expect(env(service, 'CORE_PEER_GOSSIP_BOOTSTRAP')).toBe(at(org, org.peer.port));
            expect(env(service, 'CORE_PEER_GOSSIP_EXTERNALENDPOINT')).toBe(at(org, org.peer.port));
            expect(env(service, 'CORE_PEER_CHAINCODELISTENADDRESS')).toBe(at(org, org.peer.chaincodePort));
            expect(env(service, 'CORE_OPERATIONS_LISTENADDRESS')).toBe(at(org, org.peer.operationsPort));
            const tls = `/etc/hyperledger/crypto/${org.domain}/nodes/${org.peer.name}/tls`;
            expect(operationsSettings(service, 'CORE_')).toEqual({
                CORE_OPERATIONS_TLS_ENABLED: 'true',
                CORE_OPERATIONS_TLS_CERT_FILE: `${tls}/server.crt`,
                CORE_OPERATIONS_TLS_KEY_FILE: `${tls}/server.key`,
                CORE_OPERATIONS_TLS_CLIENTAUTHREQUIRED: 'false',
                CORE_OPERATIONS_TLS_CLIENTROOTCAS_FILES: `${tls}/ca.crt`,
                CORE_METRICS_PROVIDER: 'prometheus',
            });
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

    it("builds each organisation's chaincode server from chaincode/ and serves it on its package's address", () => {
        const variables = new Set<string>();
        for (const server of servers) {
            const service = serviceNamed(server.name);
            expect(service.build).toEqual({ context: '.', dockerfile: 'chaincode/Dockerfile' });
            expect(service.image).toBe('sealpact-chaincode');
            expect(env(service, 'CHAINCODE_SERVER_ADDRESS')).toBe(at(server.org, server.port));
            expect(env(service, 'SEALPACT_OPERATIONS_LISTENADDRESS')).toBe(
                at(
                    server.org,
                    defined(server.org.chaincodeOperationsPorts[topology.chaincode.name], 'its operations port'),
                ),
            );
            expect(env(service, 'SEALPACT_OPERATIONS_TLS_CERT_FILE')).toBe('/etc/sealpact/tls/server.crt');
            expect(env(service, 'SEALPACT_OPERATIONS_TLS_KEY_FILE')).toBe('/etc/sealpact/tls/server.key');
            expect(env(service, 'SEALPACT_OPERATIONS_TLS_CLIENT_CACERT_FILE')).toBe('/etc/sealpact/tls/ca.crt');
            // The org's own package id, which network:up -- --docker passes as SEALPACT_CHAINCODE_ID_<ORG NAME>.
            const variable = `SEALPACT_CHAINCODE_ID_${server.org.name.toUpperCase()}`;
            expect(env(service, 'CHAINCODE_ID')).toMatch(new RegExp(`^\\$\\{${variable}:\\?[^}]+\\}$`));
            variables.add(variable);
        }
        expect(variables.size).toBe(topology.orgs.length);
        expect(readFileSync(join(ROOT, 'chaincode', 'Dockerfile'), 'utf8')).toContain('fabric-shim/cli.js server');
    });

    it('starts every chaincode server with the bootstrap governance and the clock skew of topology.json', () => {
        const { governingMsps, authorityMsps, auditorMsps } = topology.chaincode.governance;
        const sorted = (list: string[]) => [...new Set(list)].sort();
        for (const server of servers) {
            const service = serviceNamed(server.name);
            expect(env(service, 'SEALPACT_GOVERNANCE')).toBe(
                JSON.stringify({
                    auditorMsps: sorted(auditorMsps),
                    authorityMsps: sorted(authorityMsps),
                    governingMsps: sorted(governingMsps),
                }),
            );
            expect(env(service, 'CLOCK_SKEW')).toBe(String(topology.chaincode.clockSkewSeconds));
        }
    });

    it("serves each chaincode server over TLS with its org's certificate for its name, requiring its org's peer's certificate", () => {
        for (const server of servers) {
            const service = serviceNamed(server.name);
            // crypto.mjs: the server's key pair from the org's TLS CA, and that CA as ca.crt.
            const tls = `./network/.data/crypto/${server.org.domain}/nodes/${server.name}/tls`;
            expect(service.volumes).toEqual([`${tls}:/etc/sealpact/tls:ro`]);
            expect(env(service, 'CORE_CHAINCODE_TLS_CERT_FILE')).toBe('/etc/sealpact/tls/server.crt');
            expect(env(service, 'CORE_CHAINCODE_TLS_KEY_FILE')).toBe('/etc/sealpact/tls/server.key');
            expect(env(service, 'CORE_CHAINCODE_TLS_CLIENT_CACERT_FILE')).toBe('/etc/sealpact/tls/ca.crt');
            expect(service.user).toBe('${SEALPACT_UID:-1000}:${SEALPACT_GID:-1000}');
        }
    });

    it('names the same channel and chaincode', () => {
        expect(compose['x-sealpact'].channel).toBe(topology.channel);
        expect(compose['x-sealpact'].chaincode).toBe(topology.chaincode.name);
    });
});
