// Crypto material for every organisation, made with the openssl command (ECDSA P-256, as Fabric's
// default BCCSP requires; SM2 is only for Sealpact's own application keys).
//
// Per organisation, under network/.data/crypto/<domain>/:
//   ca/ca.pem, ca/ca.key           the MSP's certificate authority (signs identities)
//   tlsca/tlsca.pem, tlsca.key     the TLS certificate authority (signs TLS certificates)
//   msp/                           the organisation MSP for the channel: cacerts, tlscacerts, config.yaml (NodeOUs)
//   nodes/<node>/msp, /tls         peer or orderer: local MSP (OU=peer|orderer) and TLS server certificate
//   users/<name>/msp, /tls         admins (OU=admin) and users (OU=client), TLS client certificate;
//                                  a user's CN is its name unless topology.json gives "cn" (and "extraOUs")
//   nodes/<server>/tls             each of the org's chaincode servers (config.mjs chaincodeServers, e.g.
//                                  sealpact-ccaas.org1.example.com): server.crt/.key for that name from
//                                  the org's TLS CA, and ca.crt, that CA: the package's root_cert, and
//                                  the only CA whose client certificates (its own peer's) it accepts
import console from 'node:console';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { CRYPTO, run, stage, StageError, topology } from './lib.mjs';

const DAYS = '3650';
const STAGE = 'crypto material';

async function openssl(args) {
    return run(STAGE, 'openssl', args);
}

function write(file, text) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
}

async function newKey(file) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    await openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', file]);
    fs.chmodSync(file, 0o600);
}

function subject(org, ou, cn) {
    return `/C=US/ST=California/L=San Francisco/O=${org.domain}${ou ? `/OU=${ou}` : ''}/CN=${cn}`;
}

async function selfSignedCa(dir, name, org, cn) {
    const key = path.join(dir, `${name}.key`);
    const cert = path.join(dir, `${name}.pem`);
    await newKey(key);
    const ext = path.join(dir, `${name}.ext`);
    write(
        ext,
        [
            '[req]',
            'distinguished_name = dn',
            '[dn]',
            '[v3]',
            'basicConstraints = critical, CA:true',
            'keyUsage = critical, digitalSignature, keyEncipherment, keyCertSign, cRLSign',
            'extendedKeyUsage = clientAuth, serverAuth',
            'subjectKeyIdentifier = hash',
            '',
        ].join('\n'),
    );
    await openssl([
        'req',
        '-new',
        '-x509',
        '-key',
        key,
        '-subj',
        subject(org, '', cn),
        '-days',
        DAYS,
        '-sha256',
        '-config',
        ext,
        '-extensions',
        'v3',
        '-out',
        cert,
    ]);
    fs.rmSync(ext);
    return { key, cert };
}

/** Issues a certificate for a new key, signed by `ca`. */
async function issue(ca, dir, base, subj, extensions) {
    const key = path.join(dir, `${base}.key`);
    const csr = path.join(dir, `${base}.csr`);
    const cert = path.join(dir, `${base}.pem`);
    const ext = path.join(dir, `${base}.ext`);
    await newKey(key);
    write(
        ext,
        ['[v3]', 'subjectKeyIdentifier = hash', 'authorityKeyIdentifier = keyid:always', ...extensions, ''].join('\n'),
    );
    await openssl(['req', '-new', '-key', key, '-subj', subj, '-out', csr]);
    await openssl([
        'x509',
        '-req',
        '-in',
        csr,
        '-CA',
        ca.cert,
        '-CAkey',
        ca.key,
        '-set_serial',
        `0x${randomBytes(16).toString('hex')}`,
        '-days',
        DAYS,
        '-sha256',
        '-extfile',
        ext,
        '-extensions',
        'v3',
        '-out',
        cert,
    ]);
    fs.rmSync(csr);
    fs.rmSync(ext);
    return { key, cert };
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

/** An MSP folder: cacerts, tlscacerts, config.yaml and, for an identity, signcerts + keystore. */
function mspFolder(dir, orgDir, identity) {
    write(path.join(dir, 'cacerts', 'ca.pem'), fs.readFileSync(path.join(orgDir, 'ca', 'ca.pem')));
    write(path.join(dir, 'tlscacerts', 'tlsca.pem'), fs.readFileSync(path.join(orgDir, 'tlsca', 'tlsca.pem')));
    write(path.join(dir, 'config.yaml'), nodeOusConfig());
    if (identity) {
        write(path.join(dir, 'signcerts', 'cert.pem'), fs.readFileSync(identity.cert));
        write(path.join(dir, 'keystore', 'priv_sk'), fs.readFileSync(identity.key));
        fs.chmodSync(path.join(dir, 'keystore', 'priv_sk'), 0o600);
        fs.rmSync(identity.cert);
        fs.rmSync(identity.key);
    }
}

/** One identity (node, admin or user): local MSP plus a TLS certificate (server for nodes, client for users). */
async function identity(org, orgDir, kind, name, ou, cn = name, extraOUs = []) {
    const ca = { cert: path.join(orgDir, 'ca', 'ca.pem'), key: path.join(orgDir, 'ca', 'ca.key') };
    const tlsca = { cert: path.join(orgDir, 'tlsca', 'tlsca.pem'), key: path.join(orgDir, 'tlsca', 'tlsca.key') };
    const dir = path.join(orgDir, kind, name);
    fs.mkdirSync(dir, { recursive: true });
    const ous = [ou, ...extraOUs].join('/OU=');
    const signing = await issue(ca, dir, 'sign', subject(org, ous, cn), [
        'basicConstraints = critical, CA:false',
        'keyUsage = critical, digitalSignature',
    ]);
    mspFolder(path.join(dir, 'msp'), orgDir, signing);
    await tlsPair(tlsca, org, dir, name, kind === 'nodes');
}

/**
 * A TLS key pair for `name` from `tlsca`, in dir/tls/ with the CA's certificate as ca.crt: for a
 * server, server.crt/.key with SANs `name`, localhost and the host address; else client.crt/.key.
 */
async function tlsPair(tlsca, org, dir, name, isServer) {
    const tls = await issue(tlsca, dir, 'tls', subject(org, '', name), [
        'basicConstraints = critical, CA:false',
        'keyUsage = critical, digitalSignature, keyEncipherment',
        'extendedKeyUsage = serverAuth, clientAuth',
        ...(isServer ? [`subjectAltName = DNS:${name}, DNS:localhost, IP:${topology.host}`] : []),
    ]);
    write(path.join(dir, 'tls', 'ca.crt'), fs.readFileSync(tlsca.cert));
    write(path.join(dir, 'tls', isServer ? 'server.crt' : 'client.crt'), fs.readFileSync(tls.cert));
    write(path.join(dir, 'tls', isServer ? 'server.key' : 'client.key'), fs.readFileSync(tls.key));
    fs.chmodSync(path.join(dir, 'tls', isServer ? 'server.key' : 'client.key'), 0o600);
    fs.rmSync(tls.cert);
    fs.rmSync(tls.key);
}

/**
 * A chaincode server's TLS key pair, issued by its organisation's TLS CA for its name. Its peer
 * dials it (tls_required, client_auth_required in the package's connection.json) and authenticates
 * with its own TLS certificate, from the same CA, so ca.crt is both the server's root and its
 * client CA: another organisation's peer is refused.
 */
export async function chaincodeServerTls(server) {
    const orgDir = path.join(CRYPTO, server.org.domain);
    const tlsca = { cert: path.join(orgDir, 'tlsca', 'tlsca.pem'), key: path.join(orgDir, 'tlsca', 'tlsca.key') };
    await tlsPair(tlsca, server.org, path.join(orgDir, 'nodes', server.name), server.name, true);
}

async function organisation(org, nodes, ou, admin, users) {
    const orgDir = path.join(CRYPTO, org.domain);
    await selfSignedCa(path.join(orgDir, 'ca'), 'ca', org, `ca.${org.domain}`);
    await selfSignedCa(path.join(orgDir, 'tlsca'), 'tlsca', org, `tlsca.${org.domain}`);
    mspFolder(path.join(orgDir, 'msp'), orgDir);
    await Promise.all([
        ...nodes.map((node) => identity(org, orgDir, 'nodes', node, ou)),
        identity(org, orgDir, 'users', admin, 'admin'),
        ...users.map((user) => identity(org, orgDir, 'users', user.name, 'client', user.cn, user.extraOUs)),
    ]);
}

/**
 * Makes every organisation's material unless it already exists (a purge removes it), with a TLS
 * key pair for each of `chaincodeServers` (config.mjs chaincodeServers: [{ org, name }]).
 */
export async function makeCrypto(chaincodeServers) {
    const done = path.join(CRYPTO, '.complete');
    if (fs.existsSync(done)) {
        const missing = chaincodeServers.filter((server) => !fs.existsSync(chaincodeServerPaths(server).cert));
        if (missing.length > 0) {
            throw new StageError(
                'stage "crypto material": network/.data was made before each organisation ran its own chaincode ' +
                    `servers (no TLS certificate for ${missing[0].name}` +
                    `${missing.length > 1 ? ` or ${missing.length - 1} more` : ''}); ` +
                    'run npm run network:down -- --purge, then network:up',
            );
        }
        stage('crypto material: present, reusing network/.data/crypto');
        return;
    }
    stage('crypto material: generating CAs, MSPs and TLS certificates with openssl');
    fs.rmSync(CRYPTO, { recursive: true, force: true });
    const { ordererOrg, orgs } = topology;
    await organisation(
        ordererOrg,
        ordererOrg.orderers.map((o) => o.name),
        'orderer',
        ordererOrg.admin,
        [],
    );
    for (const org of orgs) {
        await organisation(org, [org.peer.name], 'peer', org.admin, org.users);
    }
    await Promise.all(chaincodeServers.map(chaincodeServerTls));
    fs.writeFileSync(done, new Date().toISOString() + '\n');
    console.log(`[network]   ${orgs.length + 1} organisations in network/.data/crypto`);
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
