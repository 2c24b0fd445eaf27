// Crypto material for every organisation, enrolled at its certificate authorities (ca.mjs; ECDSA
// P-256, as Fabric's default BCCSP requires; SM2 is only for Sealpact's own application keys).
// Every identity is registered at both of its organisation's CAs with its NodeOU as its type and
// enrolled at each: its signing certificate from the identity CA, its TLS key pair from the TLS CA.
//
// Per organisation, under network/.data/crypto/<domain>/:
//   ca/ca.pem, tlsca/tlsca.pem     the identity CA's and the TLS CA's certificates (their keys stay
//                                  with the CA server, network/.data/ca/<domain>)
//   msp/                           the organisation MSP for the channel: cacerts, tlscacerts, config.yaml (NodeOUs)
//   nodes/<node>/msp, /tls         peer or orderer: local MSP (OU=peer|orderer) and TLS server certificate
//   users/<name>/msp, /tls         admins (OU=admin) and users (OU=client), TLS client certificate;
//                                  a user's CN is its name unless topology.json gives "cn" (and "extraOUs")
//   nodes/<server>/tls             each of the org's chaincode servers (config.mjs chaincodeServers, e.g.
//                                  sealpact-ccaas.org1.example.com): server.crt/.key for that name from
//                                  the org's TLS CA, and ca.crt, that CA: the package's root_cert, and
//                                  the only CA whose client certificates (its own peer's) it accepts
import console from 'node:console';
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { CA_DATA, caPaths, enroll, register, setAffiliation, tlsCaName } from './ca.mjs';
import { CRYPTO, hostOf, stage, StageError, topology } from './lib.mjs';

function write(file, text, mode = 0o644) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text, { mode });
}

/** An MSP's config.yaml: NodeOUs on, each role told by its OU under the MSP's CA. */
function nodeOusConfig() {
    const ou = (name) => ({ Certificate: 'cacerts/ca.pem', OrganizationalUnitIdentifier: name });
    return YAML.stringify({
        NodeOUs: {
            Enable: true,
            ClientOUIdentifier: ou('client'),
            PeerOUIdentifier: ou('peer'),
            AdminOUIdentifier: ou('admin'),
            OrdererOUIdentifier: ou('orderer'),
        },
    });
}

/**
 * An MSP folder of `org`: cacerts, tlscacerts, config.yaml and, for an identity (`signing`:
 * { cert, key } PEM), signcerts/cert.pem and keystore/priv_sk.
 */
export function writeMsp(dir, org, signing) {
    write(path.join(dir, 'cacerts', 'ca.pem'), fs.readFileSync(caPaths(org).caCert));
    write(path.join(dir, 'tlscacerts', 'tlsca.pem'), fs.readFileSync(caPaths(org).tlsCaCert));
    write(path.join(dir, 'config.yaml'), nodeOusConfig());
    if (signing) {
        write(path.join(dir, 'signcerts', 'cert.pem'), signing.cert);
        write(path.join(dir, 'keystore', 'priv_sk'), signing.key, 0o600);
    }
}

/**
 * `name`'s TLS key pair from `org`'s TLS CA (enrolled with `secret`) in dir/tls/, with that CA's
 * certificate as ca.crt: for a server, server.crt/.key with SANs `name`, localhost and the org's
 * address (lib.mjs hostOf: peers and orderers dial each other by address); else client.crt/.key.
 */
async function writeTls(org, dir, name, secret, isServer) {
    const hosts = isServer ? [name, 'localhost', hostOf(org)] : [name];
    const pair = await enroll(org, tlsCaName(org), name, secret, { profile: 'tls', hosts });
    const base = isServer ? 'server' : 'client';
    write(path.join(dir, 'tls', 'ca.crt'), fs.readFileSync(caPaths(org).tlsCaCert));
    write(path.join(dir, 'tls', `${base}.crt`), pair.cert);
    write(path.join(dir, 'tls', `${base}.key`), pair.key, 0o600);
}

/** A TLS key pair for `name`, which only needs one (a chaincode server, a user sharing a CN). */
async function newTlsPair(org, dir, name, isServer) {
    await writeTls(org, dir, name, await register(org, tlsCaName(org), name, { type: 'client' }), isServer);
}

/**
 * Registers identity `name` of `org` at both its CAs as `type` (its NodeOU: client, admin, peer or
 * orderer), at the identity CA with `affiliation` (OUs after the type, '' for none), each secret
 * good for `maxEnrollments` enrollments (-1: any number). Returns the secrets: { ca, tls }.
 */
export async function registerIdentity(org, { name, type, affiliation = '', maxEnrollments = -1 }) {
    return {
        ca: await register(org, org.ca.name, name, { type, affiliation, maxEnrollments }),
        tls: await register(org, tlsCaName(org), name, { type, maxEnrollments }),
    };
}

/** Enrolls identity `name` of `org` with its `secrets` at both CAs: dir/msp and dir/tls. */
export async function enrollIdentity(org, dir, name, secrets, isServer = false) {
    writeMsp(path.join(dir, 'msp'), org, await enroll(org, org.ca.name, name, secrets.ca));
    await writeTls(org, dir, name, secrets.tls, isServer);
}

/** A user's affiliation: its topology.json extraOUs as a dotted path ('' for none). */
const affiliationOf = (user) => (user?.extraOUs ?? []).join('.');

/**
 * A user whose certificate carries another user's CN (topology.json "cn", e.g. bob-sales with
 * bob's): the CA only issues certificates whose CN is the enrollment ID, so this is a second
 * certificate of that identity, enrolled while its affiliation is this user's extraOUs, then
 * restored. Both certificates belong to that one CA identity: revoking it revokes both.
 */
async function sharedCnIdentity(org, dir, user, secrets) {
    const owner = org.users.find((other) => other.name === user.cn);
    if (!secrets.has(user.cn)) {
        throw new StageError(`topology.json: ${user.name}'s "cn" ${user.cn} is no other user of ${org.name}`);
    }
    await setAffiliation(org, org.ca.name, user.cn, affiliationOf(user));
    try {
        writeMsp(path.join(dir, 'msp'), org, await enroll(org, org.ca.name, user.cn, secrets.get(user.cn)));
    } finally {
        await setAffiliation(org, org.ca.name, user.cn, affiliationOf(owner));
    }
    await newTlsPair(org, dir, user.name, false);
}

/** An organisation's CA certificates, its channel MSP and every identity of it, one at a time. */
async function organisation(org, nodes, nodeType, admin, users) {
    const orgDir = path.join(CRYPTO, org.domain);
    write(path.join(orgDir, 'ca', 'ca.pem'), fs.readFileSync(caPaths(org).caCert));
    write(path.join(orgDir, 'tlsca', 'tlsca.pem'), fs.readFileSync(caPaths(org).tlsCaCert));
    writeMsp(path.join(orgDir, 'msp'), org);
    const identity = async (dir, spec, isServer) => {
        const secrets = await registerIdentity(org, spec);
        await enrollIdentity(org, dir, spec.name, secrets, isServer);
        return secrets.ca;
    };
    for (const node of nodes) await identity(path.join(orgDir, 'nodes', node), { name: node, type: nodeType }, true);
    await identity(path.join(orgDir, 'users', admin), { name: admin, type: 'admin' });
    // The identity CA secrets of the users, for those sharing their CN (sharedCnIdentity).
    const secrets = new Map();
    const sharesCn = (user) => user.cn !== undefined && user.cn !== user.name;
    for (const user of users.filter((candidate) => !sharesCn(candidate))) {
        const spec = { name: user.name, type: 'client', affiliation: affiliationOf(user) };
        secrets.set(user.name, await identity(path.join(orgDir, 'users', user.name), spec));
    }
    for (const user of users.filter(sharesCn)) {
        await sharedCnIdentity(org, path.join(orgDir, 'users', user.name), user, secrets);
    }
}

/**
 * Refuses crypto material this version cannot use: made with openssl before the organisations had
 * CAs (no network/.data/ca), or left half-made by an interrupted network:up (its identities are
 * registered already). Either way the network has to be made again.
 */
export function checkCryptoLayout() {
    if (!fs.existsSync(CRYPTO)) return;
    const why = !fs.existsSync(CA_DATA)
        ? 'was made with openssl, before each organisation had its own Fabric CA'
        : !fs.existsSync(path.join(CRYPTO, '.complete'))
          ? 'is incomplete (an earlier network:up stopped while enrolling identities)'
          : undefined;
    if (why) {
        throw new StageError(
            `stage "crypto material": network/.data/crypto ${why}; make the network again: ` +
                'npm run network:down -- --purge, then npm run network:up (ledgers go too)',
        );
    }
}

/**
 * A chaincode server's TLS key pair from its organisation's TLS CA, for its name (`server`: { org,
 * name } of config.mjs chaincodeServers). Its peer dials it and authenticates with its own TLS
 * certificate from the same CA, so ca.crt is both the server's root and its client CA.
 */
export async function chaincodeServerTls(server) {
    await newTlsPair(server.org, path.join(CRYPTO, server.org.domain, 'nodes', server.name), server.name, true);
}

/**
 * Enrolls every organisation's identities at its CAs (running: ca.mjs startCas) unless done already
 * (a purge removes them), with a TLS key pair for each of `chaincodeServers` (config.mjs
 * chaincodeServers: [{ org, name }]).
 */
export async function makeCrypto(chaincodeServers) {
    const done = path.join(CRYPTO, '.complete');
    if (fs.existsSync(done)) {
        stage('crypto material: present, reusing network/.data/crypto');
        return;
    }
    stage("crypto material: enrolling every node, admin and user at its organisation's CAs (NodeOUs)");
    const { ordererOrg, orgs } = topology;
    const ordererNodes = ordererOrg.orderers.map((o) => o.name);
    await Promise.all([
        organisation(ordererOrg, ordererNodes, 'orderer', ordererOrg.admin, []),
        ...orgs.map((org) => organisation(org, [org.peer.name], 'peer', org.admin, org.users)),
    ]);
    for (const server of chaincodeServers) await chaincodeServerTls(server);
    fs.writeFileSync(done, new Date().toISOString() + '\n');
    console.log(`[network]   ${orgs.length + 1} organisations in network/.data/crypto`);
}

/** The file that says a joining organisation's crypto material is complete. */
export const joiningOrgDone = (org) => path.join(CRYPTO, org.domain, '.complete');

/**
 * Enrolls one organisation that joins the running channel (network:add-org) at its CAs: its peer,
 * admin and users, and a TLS key pair for each of its `chaincodeServers`; unless done already.
 */
export async function makeJoiningOrgCrypto(org, chaincodeServers) {
    if (fs.existsSync(joiningOrgDone(org))) {
        stage(`crypto material: ${org.name}'s is present`);
        return;
    }
    stage(`crypto material: enrolling ${org.name}'s peer, admin and users at its CAs (NodeOUs)`);
    await organisation(org, [org.peer.name], 'peer', org.admin, org.users);
    for (const server of chaincodeServers) await chaincodeServerTls(server);
    fs.writeFileSync(joiningOrgDone(org), new Date().toISOString() + '\n');
}

/** Paths of one identity's files. */
export function identityPaths(org, name) {
    const dir = path.join(CRYPTO, org.domain, 'users', name);
    return {
        msp: path.join(dir, 'msp'),
        cert: path.join(dir, 'msp', 'signcerts', 'cert.pem'),
        key: path.join(dir, 'msp', 'keystore', 'priv_sk'),
        tlsCert: path.join(dir, 'tls', 'client.crt'),
        tlsKey: path.join(dir, 'tls', 'client.key'),
    };
}

export function nodePaths(org, name) {
    const dir = path.join(CRYPTO, org.domain, 'nodes', name);
    return {
        msp: path.join(dir, 'msp'),
        tlsCert: path.join(dir, 'tls', 'server.crt'),
        tlsKey: path.join(dir, 'tls', 'server.key'),
        tlsCa: path.join(dir, 'tls', 'ca.crt'),
    };
}

export function orgPaths(org) {
    const dir = path.join(CRYPTO, org.domain);
    return { msp: path.join(dir, 'msp'), tlsCa: path.join(dir, 'tlsca', 'tlsca.pem') };
}

/** A chaincode server's TLS files ({ org, name } of config.mjs chaincodeServers); ca.crt is its org's TLS CA. */
export function chaincodeServerPaths(server) {
    const tls = path.join(CRYPTO, server.org.domain, 'nodes', server.name, 'tls');
    return { cert: path.join(tls, 'server.crt'), key: path.join(tls, 'server.key'), ca: path.join(tls, 'ca.crt') };
}
