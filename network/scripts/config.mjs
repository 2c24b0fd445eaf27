// What each process and command is given: configtx.yaml, environment for orderers, peers and the
// peer CLI, the chaincode servers and their chaincode-as-a-service packages, and the connection
// profile. All from topology.json.
import { Buffer } from 'node:buffer';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import YAML from 'yaml';
import { chaincodeServerPaths, identityPaths, nodePaths, orgPaths } from './crypto.mjs';
import { BIN, CONFIG, DATA, hostOf, NETWORK_DIR, orderers, sampleConfigDir, StageError, topology } from './lib.mjs';

const { channel, ordererOrg, orgs, chaincode } = topology;

export const GENESIS_BLOCK = path.join(CONFIG, `${channel}.block`);
/** Where a chaincode server's package is written: network/.data/config/<server name>.tar.gz. */
export const packageFile = (server) => path.join(CONFIG, `${server.name}.tar.gz`);
export const CONNECTION_PROFILE = path.join(DATA, 'connection.json');
/** The channel's trust anchors: `<MSPID>.pem`, each organisation's CA certificate (docs/evidence.md). */
export const TRUST_ANCHORS = path.join(DATA, 'trust-anchors');
export const BUILDER_DIR = path.join(NETWORK_DIR, 'builders', 'ccaas');

/** `org`'s address (lib.mjs hostOf) and `port`: what its process listens on and others dial. */
export const endpoint = (org, port) => `${hostOf(org)}:${port}`;
export const nodeDir = (name) => path.join(DATA, 'nodes', name);
export const ordererTlsCa = () => orgPaths(ordererOrg).tlsCa;
export const orgByMsp = (mspId) => orgs.find((org) => org.mspId === mspId);

/**
 * The chaincode servers of a chaincode-as-a-service definition (topology.json `chaincode` or
 * `baselineChaincode`): one per organisation of `organisations` (default: every member), in
 * topology order, as a consortium runs them. `name`
 * is both the process name (pid file, log, docker-compose service) and the TLS server name its
 * certificate is for, `<definition name>-ccaas.<org domain>`; `port` is the org's
 * `chaincodeServerPorts[<definition name>]`; `operationsPort`, its /healthz and /metrics port, is the
 * org's `chaincodeOperationsPorts[<definition name>]` (the Sealpact server's only). Returns
 * [{ org, name, port, serverName, operationsPort }].
 */
export function chaincodeServers(definition, organisations = orgs) {
    return organisations.map((org) => {
        const port = org.chaincodeServerPorts?.[definition.name];
        if (!Number.isInteger(port)) {
            throw new StageError(`topology.json: ${org.name} has no chaincodeServerPorts.${definition.name}`);
        }
        const name = `${definition.name}-ccaas.${org.domain}`;
        return { org, name, port, serverName: name, operationsPort: org.chaincodeOperationsPorts?.[definition.name] };
    });
}

/** The variable docker-compose.yaml reads an org's chaincode package id from: SEALPACT_CHAINCODE_ID_<ORG NAME>. */
export const packageIdVariable = (org) => `SEALPACT_CHAINCODE_ID_${org.name.toUpperCase()}`;

/** A topology.json object without its `$comment`. */
const withoutComment = (object) => Object.fromEntries(Object.entries(object).filter(([key]) => key !== '$comment'));

function signature(rule) {
    return { Type: 'Signature', Rule: rule };
}
function implicitMeta(rule) {
    return { Type: 'ImplicitMeta', Rule: rule };
}

/**
 * An application organisation as configtx.yaml describes it: its MSP (CA certificates and NodeOUs),
 * its policies and its anchor peer. The genesis block has every organisation of `orgs` so; one that
 * joins later (network:add-org) is added to the channel configuration so too.
 */
export function applicationOrganisation(org) {
    return {
        Name: org.name,
        ID: org.mspId,
        MSPDir: orgPaths(org).msp,
        Policies: {
            Readers: signature(`OR('${org.mspId}.admin', '${org.mspId}.peer', '${org.mspId}.client')`),
            Writers: signature(`OR('${org.mspId}.admin', '${org.mspId}.client')`),
            Admins: signature(`OR('${org.mspId}.admin')`),
            Endorsement: signature(`OR('${org.mspId}.peer')`),
        },
        // In the channel configuration, so gateway discovery finds every org's peer.
        AnchorPeers: [{ Host: hostOf(org), Port: org.peer.port }],
    };
}

/** configtx.yaml for configtxgen: one profile, the application channel with its Raft orderers. */
export function configtx(ordererCount) {
    const nodes = orderers(ordererCount);
    const ordererOrganisation = {
        Name: ordererOrg.name,
        ID: ordererOrg.mspId,
        MSPDir: orgPaths(ordererOrg).msp,
        Policies: {
            Readers: signature(`OR('${ordererOrg.mspId}.member')`),
            Writers: signature(`OR('${ordererOrg.mspId}.member')`),
            Admins: signature(`OR('${ordererOrg.mspId}.admin')`),
        },
        OrdererEndpoints: nodes.map((node) => endpoint(ordererOrg, node.port)),
    };
    const applicationOrganisations = orgs.map(applicationOrganisation);
    const channelCapabilities = { V2_0: true };
    return {
        Profiles: {
            ContractsChannel: {
                Capabilities: channelCapabilities,
                Policies: {
                    Readers: implicitMeta('ANY Readers'),
                    Writers: implicitMeta('ANY Writers'),
                    Admins: implicitMeta('MAJORITY Admins'),
                },
                Orderer: {
                    OrdererType: 'etcdraft',
                    BatchTimeout: topology.ordering.BatchTimeout,
                    BatchSize: topology.ordering.BatchSize,
                    EtcdRaft: {
                        Options: withoutComment(topology.ordering.EtcdRaft),
                        Consenters: nodes.map((node) => ({
                            Host: hostOf(ordererOrg),
                            Port: node.port,
                            ClientTLSCert: nodePaths(ordererOrg, node.name).tlsCert,
                            ServerTLSCert: nodePaths(ordererOrg, node.name).tlsCert,
                        })),
                    },
                    Organizations: [ordererOrganisation],
                    Policies: {
                        Readers: implicitMeta('ANY Readers'),
                        Writers: implicitMeta('ANY Writers'),
                        Admins: implicitMeta('MAJORITY Admins'),
                        BlockValidation: implicitMeta('ANY Writers'),
                    },
                    Capabilities: { V2_0: true },
                },
                Application: {
                    Organizations: applicationOrganisations,
                    Policies: {
                        Readers: implicitMeta('ANY Readers'),
                        Writers: implicitMeta('ANY Writers'),
                        Admins: implicitMeta('MAJORITY Admins'),
                        // Chaincode definitions need a majority of orgs; so does every Sealpact transaction
                        // (the chaincode's endorsement policy is this channel default).
                        LifecycleEndorsement: implicitMeta('MAJORITY Endorsement'),
                        Endorsement: implicitMeta('MAJORITY Endorsement'),
                    },
                    Capabilities: { V2_5: true },
                },
            },
        },
    };
}

export function writeConfigtx(ordererCount) {
    fs.mkdirSync(CONFIG, { recursive: true });
    fs.writeFileSync(path.join(CONFIG, 'configtx.yaml'), YAML.stringify(configtx(ordererCount)));
}

const common = () => ({ FABRIC_CFG_PATH: sampleConfigDir(), FABRIC_LOGGING_SPEC: 'info' });

/** Environment for an orderer: Fabric's sampleconfig/orderer.yaml plus these overrides. */
export function ordererEnv(node) {
    const tls = nodePaths(ordererOrg, node.name);
    const dir = nodeDir(node.name);
    return {
        ...common(),
        ORDERER_GENERAL_LISTENADDRESS: hostOf(ordererOrg),
        ORDERER_GENERAL_LISTENPORT: String(node.port),
        ORDERER_GENERAL_LOCALMSPID: ordererOrg.mspId,
        ORDERER_GENERAL_LOCALMSPDIR: tls.msp,
        ORDERER_GENERAL_TLS_ENABLED: 'true',
        ORDERER_GENERAL_TLS_PRIVATEKEY: tls.tlsKey,
        ORDERER_GENERAL_TLS_CERTIFICATE: tls.tlsCert,
        ORDERER_GENERAL_TLS_ROOTCAS: `[${tls.tlsCa}]`,
        ORDERER_GENERAL_CLUSTER_CLIENTCERTIFICATE: tls.tlsCert,
        ORDERER_GENERAL_CLUSTER_CLIENTPRIVATEKEY: tls.tlsKey,
        ORDERER_GENERAL_CLUSTER_ROOTCAS: `[${tls.tlsCa}]`,
        ORDERER_GENERAL_BOOTSTRAPMETHOD: 'none',
        ORDERER_CHANNELPARTICIPATION_ENABLED: 'true',
        ORDERER_ADMIN_LISTENADDRESS: endpoint(ordererOrg, node.adminPort),
        ORDERER_ADMIN_TLS_ENABLED: 'true',
        ORDERER_ADMIN_TLS_PRIVATEKEY: tls.tlsKey,
        ORDERER_ADMIN_TLS_CERTIFICATE: tls.tlsCert,
        ORDERER_ADMIN_TLS_ROOTCAS: `[${tls.tlsCa}]`,
        ORDERER_ADMIN_TLS_CLIENTAUTHREQUIRED: 'true',
        ORDERER_ADMIN_TLS_CLIENTROOTCAS: `[${tls.tlsCa}]`,
        // /healthz and /metrics over HTTPS with the node's TLS certificate (docs/operations.md#health-and-metrics);
        // network:up reads consensus_etcdraft_is_leader there. /logspec needs a client certificate of the TLS CA.
        ORDERER_OPERATIONS_LISTENADDRESS: endpoint(ordererOrg, node.operationsPort),
        ORDERER_OPERATIONS_TLS_ENABLED: 'true',
        ORDERER_OPERATIONS_TLS_CERTIFICATE: tls.tlsCert,
        ORDERER_OPERATIONS_TLS_PRIVATEKEY: tls.tlsKey,
        ORDERER_OPERATIONS_TLS_CLIENTAUTHREQUIRED: 'false',
        ORDERER_OPERATIONS_TLS_CLIENTROOTCAS: `[${tls.tlsCa}]`,
        ORDERER_METRICS_PROVIDER: 'prometheus',
        ORDERER_FILELEDGER_LOCATION: path.join(dir, 'ledger'),
        ORDERER_CONSENSUS_WALDIR: path.join(dir, 'etcdraft', 'wal'),
        ORDERER_CONSENSUS_SNAPDIR: path.join(dir, 'etcdraft', 'snapshot'),
    };
}

/**
 * FABRIC_CFG_PATH for peers: Fabric's sampleconfig/core.yaml with one line changed, `vm.endpoint`
 * emptied, written to network/.data/config/peer/ at run time. Fabric 2.5 ignores an empty
 * CORE_VM_ENDPOINT (its viper does not allow empty environment values; 3.x does), and with the
 * docker endpoint configured the peer's /healthz reports docker as failed. Everything else is
 * environment overrides below.
 */
export function peerConfigDir() {
    const dir = path.join(CONFIG, 'peer');
    const source = fs.readFileSync(path.join(sampleConfigDir(), 'core.yaml'), 'utf8');
    const dockerEndpoint = /^( {4}endpoint:) unix:\/\/\/var\/run\/docker\.sock$/m;
    if (!dockerEndpoint.test(source)) {
        throw new Error(`sampleconfig/core.yaml has no "vm.endpoint: unix:///var/run/docker.sock" line to empty`);
    }
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'core.yaml'), source.replace(dockerEndpoint, '$1 ""'));
    return dir;
}

/** Environment for a peer: Fabric's sampleconfig/core.yaml (vm.endpoint emptied) plus these overrides. */
export function peerEnv(org) {
    const peer = org.peer;
    const tls = nodePaths(org, peer.name);
    const dir = nodeDir(peer.name);
    return {
        ...common(),
        FABRIC_CFG_PATH: peerConfigDir(),
        CORE_PEER_ID: peer.name,
        CORE_PEER_NETWORKID: 'sealpact',
        CORE_PEER_LISTENADDRESS: endpoint(org, peer.port),
        CORE_PEER_ADDRESS: endpoint(org, peer.port),
        CORE_PEER_CHAINCODELISTENADDRESS: endpoint(org, peer.chaincodePort),
        CORE_PEER_CHAINCODEADDRESS: endpoint(org, peer.chaincodePort),
        CORE_PEER_GOSSIP_BOOTSTRAP: endpoint(org, peer.port),
        CORE_PEER_GOSSIP_EXTERNALENDPOINT: endpoint(org, peer.port),
        // Peers started together find each other fast (core.yaml's 25s retry delays a restart).
        CORE_PEER_GOSSIP_RECONNECTINTERVAL: '2s',
        // A hung peer is skipped, not waited on (docs/operations.md#a-hung-peer): it stops sending
        // gossip alive messages, the others count it dead after 3 s (core.yaml: 5 s and 25 s) and
        // discovery leaves it out of every endorsement plan until it answers again.
        CORE_PEER_GOSSIP_ALIVETIMEINTERVAL: '1s',
        CORE_PEER_GOSSIP_ALIVEEXPIRATIONTIMEOUT: '3s',
        CORE_PEER_LOCALMSPID: org.mspId,
        CORE_PEER_MSPCONFIGPATH: tls.msp,
        CORE_PEER_TLS_ENABLED: 'true',
        CORE_PEER_TLS_CERT_FILE: tls.tlsCert,
        CORE_PEER_TLS_KEY_FILE: tls.tlsKey,
        CORE_PEER_TLS_ROOTCERT_FILE: tls.tlsCa,
        CORE_PEER_FILESYSTEMPATH: path.join(dir, 'production'),
        CORE_LEDGER_SNAPSHOTS_ROOTDIR: path.join(dir, 'snapshots'),
        CORE_LEDGER_STATE_STATEDATABASE: 'goleveldb',
        // As the orderers': /healthz and /metrics over HTTPS with the peer's TLS certificate.
        CORE_OPERATIONS_LISTENADDRESS: endpoint(org, peer.operationsPort),
        CORE_OPERATIONS_TLS_ENABLED: 'true',
        CORE_OPERATIONS_TLS_CERT_FILE: tls.tlsCert,
        CORE_OPERATIONS_TLS_KEY_FILE: tls.tlsKey,
        CORE_OPERATIONS_TLS_CLIENTAUTHREQUIRED: 'false',
        CORE_OPERATIONS_TLS_CLIENTROOTCAS_FILES: tls.tlsCa, // one file: the peer reads no [list] from the environment here
        CORE_METRICS_PROVIDER: 'prometheus',
        CORE_PEER_GATEWAY_ENABLED: 'true',
        // Until gossip counts it dead, a hung endorser costs one endorsementTimeout, then the gateway
        // tries a layout without it. An endorsement takes tens of ms here (core.yaml: 30 s).
        CORE_PEER_GATEWAY_ENDORSEMENTTIMEOUT: '500ms',
        // Per orderer tried (Raft: one after another); the SDK's submit deadline covers all three.
        CORE_PEER_GATEWAY_BROADCASTTIMEOUT: '3s',
        // Bounds the gateway's connection to another peer or an orderer (core.yaml: 2 m); it dials
        // asynchronously, so a hung node is met by the endorsement or broadcast timeout first.
        CORE_PEER_GATEWAY_DIALTIMEOUT: '3s',
        CORE_CHAINCODE_EXTERNALBUILDERS: externalBuilders(BUILDER_DIR),
    };
}

/**
 * The peers' external builders: no docker, this one (network/builders/ccaas) claims the
 * chaincode-as-a-service packages. It is passed the peer's TLS key pair, which its release step
 * adds to connection.json as the peer's client certificate for the chaincode server.
 */
export function externalBuilders(builderDir) {
    const builder = {
        name: 'sealpact-ccaas',
        path: builderDir,
        propagateEnvironment: ['CORE_PEER_TLS_KEY_FILE', 'CORE_PEER_TLS_CERT_FILE'],
    };
    return YAML.stringify([builder], { collectionStyle: 'flow', lineWidth: 0 }).trim();
}

/** Environment for the peer CLI acting as `identity` of `org` against that org's peer. */
export function cliEnv(org, identity) {
    return {
        ...common(),
        FABRIC_LOGGING_SPEC: 'warn',
        CORE_PEER_LOCALMSPID: org.mspId,
        CORE_PEER_MSPCONFIGPATH: identityPaths(org, identity).msp,
        CORE_PEER_ADDRESS: endpoint(org, org.peer.port),
        CORE_PEER_TLS_ENABLED: 'true',
        CORE_PEER_TLS_ROOTCERT_FILE: orgPaths(org).tlsCa,
    };
}

/** `-o ... --tls --cafile ...` for peer CLI commands that submit to the orderer. */
export function ordererArgs(ordererCount) {
    const first = orderers(ordererCount)[0];
    return ['-o', endpoint(ordererOrg, first.port), '--tls', '--cafile', ordererTlsCa()];
}

/** `--peerAddresses ... --tlsRootCertFiles ...` for every org's peer. */
export function allPeerArgs() {
    return orgs.flatMap((org) => [
        '--peerAddresses',
        endpoint(org, org.peer.port),
        '--tlsRootCertFiles',
        orgPaths(org).tlsCa,
    ]);
}

export const bin = (name) => path.join(BIN, name);

// --- chaincode-as-a-service package -------------------------------------------------------------

/** One ustar entry: fixed mode, owner, group and mtime so the bytes depend only on name and content. */
function tarEntry(name, content) {
    const header = Buffer.alloc(512, 0);
    const field = (offset, length, value) => header.write(value, offset, length, 'ascii');
    const octal = (offset, length, value) => field(offset, length, value.toString(8).padStart(length - 1, '0') + '\0');
    field(0, 100, name);
    octal(100, 8, 0o644);
    octal(108, 8, 0);
    octal(116, 8, 0);
    octal(124, 12, content.length);
    octal(136, 12, 0);
    field(148, 8, '        ');
    field(156, 1, '0');
    field(257, 6, 'ustar\0');
    field(263, 2, '00');
    let sum = 0;
    for (const byte of header) sum += byte;
    field(148, 8, sum.toString(8).padStart(6, '0') + '\0 ');
    const padding = Buffer.alloc((512 - (content.length % 512)) % 512, 0);
    return Buffer.concat([header, content, padding]);
}

function tarGz(entries) {
    const tar = Buffer.concat([...entries.map(([name, content]) => tarEntry(name, content)), Buffer.alloc(1024, 0)]);
    return zlib.gzipSync(tar, { level: 9 }); // zlib writes mtime 0 and no file name
}

/**
 * Builds the ccaas package of one organisation's chaincode server (`server`, from
 * chaincodeServers(definition)) deterministically; returns its package id (label:sha256 of the
 * bytes), which differs per organisation. Its connection.json has the org's peer dial that server
 * over TLS, checking the server's certificate for its serverName against the org's TLS CA, with a
 * client certificate (the peer's own TLS key pair, which the builder's release step adds: no
 * private key is in the package). The CA's certificate is in the package, so the package id
 * changes when the crypto material is made again (network:down -- --purge).
 */
export function writeChaincodePackage(definition, server) {
    const connection = {
        address: endpoint(server.org, server.port),
        dial_timeout: '10s',
        tls_required: true,
        client_auth_required: true,
        domain: server.serverName,
        root_cert: fs.readFileSync(chaincodeServerPaths(server).ca, 'utf8'),
    };
    const code = tarGz([['connection.json', Buffer.from(JSON.stringify(connection, null, 4) + '\n')]]);
    const metadata = { label: definition.label, type: 'ccaas' };
    const bytes = tarGz([
        ['code.tar.gz', code],
        ['metadata.json', Buffer.from(JSON.stringify(metadata) + '\n')],
    ]);
    fs.mkdirSync(CONFIG, { recursive: true });
    fs.writeFileSync(packageFile(server), bytes);
    return `${definition.label}:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** chaincodeServers(definition), each with the package id of the package written for it. */
export function writeChaincodePackages(definition) {
    return chaincodeServers(definition).map((server) => ({
        ...server,
        packageId: writeChaincodePackage(definition, server),
    }));
}

// --- connection profile -------------------------------------------------------------------------

/**
 * Write network/.data/trust-anchors: the CA certificate of every organisation of the channel, the
 * orderers' included. Verified reads and evidence bundles believe a channel configuration only when
 * its organisations' CAs are these.
 */
export function writeTrustAnchors() {
    fs.rmSync(TRUST_ANCHORS, { recursive: true, force: true });
    fs.mkdirSync(TRUST_ANCHORS, { recursive: true });
    for (const org of [ordererOrg, ...orgs]) {
        fs.copyFileSync(
            path.join(orgPaths(org).msp, 'cacerts', 'ca.pem'),
            path.join(TRUST_ANCHORS, `${org.mspId}.pem`),
        );
    }
}

/**
 * network/.data/connection.json: what the SDK, the CLI and the tests need to reach the network.
 * `servers` are writeChaincodePackages(chaincode): each org's chaincode package id.
 */
export function connectionProfile(ordererCount, servers) {
    const identity = (org, name, role, cn = name) => ({ role, cn, ...identityPaths(org, name) });
    const packageIdOf = (org) => servers.find((server) => server.org === org)?.packageId;
    return {
        name: 'sealpact',
        fabricVersion: topology.fabric.version,
        channel,
        chaincode: chaincode.name,
        trustAnchors: TRUST_ANCHORS,
        orgs: Object.fromEntries(
            orgs.map((org) => [
                org.mspId,
                {
                    name: org.name,
                    role: org.role,
                    mspId: org.mspId,
                    peer: {
                        name: org.peer.name,
                        endpoint: endpoint(org, org.peer.port),
                        hostnameOverride: org.peer.name,
                        tlsCACert: orgPaths(org).tlsCa,
                    },
                    chaincodePackageId: packageIdOf(org),
                    identities: Object.fromEntries([
                        [org.admin, identity(org, org.admin, 'admin')],
                        ...org.users.map((user) => [user.name, identity(org, user.name, 'client', user.cn)]),
                    ]),
                },
            ]),
        ),
        orderers: orderers(ordererCount).map((node) => ({
            name: node.name,
            endpoint: endpoint(ordererOrg, node.port),
            tlsCACert: ordererTlsCa(),
        })),
    };
}
