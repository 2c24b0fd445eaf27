// Each organisation's certificate authorities: one fabric-ca-server per organisation (topology.json
// `ca`: name, port, operationsPort) serving two CAs, its identity CA (`ca.name`, default) and its
// TLS CA (`tlsCaName(org)`, with --caname), as Fabric recommends: TLS certificates never come from
// the CA whose certificates the channel's MSPs trust. The server speaks TLS with a certificate its
// identity CA issued itself (tls-cert.pem); /healthz is plain HTTP on the organisation's address
// (the operations server wants a key file, and that certificate's key is in the CA's keystore).
//
// Per organisation, under network/.data/ca/<domain>/ (0600 where a secret is):
//   fabric-ca-server-config.yaml, tlsca/...   each CA's settings, with its bootstrap admin's random
//                                             password (registry.identities): the only copy
//   ca-cert.pem, tlsca/ca-cert.pem            the two CA certificates; msp/keystore their keys
//   admin/<CA name>/msp                       the bootstrap admin enrolled at each CA: the registrar
//                                             that registers, modifies and revokes identities
// Every fabric-ca-client call gets the server's URL (with an enrollment secret, when enrolling) in
// its environment, so no secret is ever on a command line.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import process from 'node:process';
import YAML from 'yaml';
import { bin, endpoint } from './config.mjs';
import { canConnect, DATA, hostOf, ROOT, run, stage, StageError, startProcess, topology, waitFor } from './lib.mjs';

export const CA_DATA = path.join(DATA, 'ca');
const ADMIN = 'admin';
const STAGE = 'certificate authorities';

export const tlsCaName = (org) => `tls${org.ca.name}`;
const home = (org) => path.join(CA_DATA, org.domain);

/** The files of an organisation's CA server: its home, its two CA certificates, its TLS root. */
export function caPaths(org) {
    return {
        home: home(org),
        caCert: path.join(home(org), 'ca-cert.pem'),
        tlsCaCert: path.join(home(org), 'tlsca', 'ca-cert.pem'),
        adminHome: (caName) => path.join(home(org), 'admin', caName),
    };
}

/** The subject fields every certificate of `org` carries before its OUs and CN. */
export function subjectNames(org) {
    return { C: 'US', ST: 'California', L: 'San Francisco', O: org.domain };
}

/**
 * The affiliations identities of `org` may have: each user's `extraOUs` path (topology.json), since
 * the CA writes an identity's affiliation into its certificates as OUs after its type.
 */
function affiliations(org) {
    const tree = {};
    for (const user of org.users ?? []) {
        let node = tree;
        for (const ou of user.extraOUs ?? []) node = node[ou] ??= {};
    }
    // The server takes a leaf as an empty list, not an empty map.
    const yaml = (node) =>
        Object.fromEntries(
            Object.entries(node).map(([ou, below]) => [ou, Object.keys(below).length ? yaml(below) : []]),
        );
    return yaml(tree);
}

/** One CA's settings: its name and subject, its bootstrap admin, affiliations and signing profiles. */
function caConfig(org, name, password) {
    return {
        ca: { name },
        registry: {
            maxenrollments: -1,
            identities: [
                {
                    name: ADMIN,
                    pass: password,
                    type: 'client',
                    affiliation: '',
                    attrs: {
                        'hf.Registrar.Roles': '*',
                        'hf.Registrar.DelegateRoles': '*',
                        'hf.Registrar.Attributes': '*',
                        'hf.Revoker': true,
                        'hf.GenCRL': true,
                        'hf.AffiliationMgr': true,
                    },
                },
            ],
        },
        affiliations: affiliations(org),
        // Written out: without them the server signs enrollment certificates as its CA profile would.
        signing: {
            default: { usage: ['digital signature'], expiry: '87600h' },
            profiles: {
                tls: {
                    usage: ['signing', 'key encipherment', 'server auth', 'client auth', 'key agreement'],
                    expiry: '87600h',
                },
            },
        },
        csr: { cn: name, names: [subjectNames(org)], hosts: [org.ca.name, 'localhost', hostOf(org)] },
    };
}

function writeSecret(file, text) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text, { mode: 0o600 });
}

/** The server's and its TLS CA's configuration files, each with a new random admin password. */
function writeServerConfig(org) {
    const password = () => randomBytes(24).toString('base64url');
    const server = {
        address: hostOf(org),
        port: org.ca.port,
        tls: { enabled: true },
        operations: { listenAddress: endpoint(org, org.ca.operationsPort) },
        cafiles: ['tlsca/fabric-ca-server-config.yaml'],
        ...caConfig(org, org.ca.name, password()),
    };
    writeSecret(path.join(home(org), 'fabric-ca-server-config.yaml'), YAML.stringify(server));
    writeSecret(
        path.join(home(org), 'tlsca', 'fabric-ca-server-config.yaml'),
        YAML.stringify(caConfig(org, tlsCaName(org), password())),
    );
}

/**
 * Runs fabric-ca-client against `org`'s server; `user`/`secret` (when enrolling) go in the URL. A
 * failure throws the client's own one-line "Error: ..." (what the server said), naming the command.
 */
async function caClient(org, args, { user, secret } = {}) {
    if (!(await canConnect(org, org.ca.port))) {
        throw new StageError(
            `the CA server of ${org.name} (${org.ca.name}, port ${org.ca.port}) is not running: npm run network:up`,
        );
    }
    const credentials = user ? `${encodeURIComponent(user)}:${encodeURIComponent(secret)}@` : '';
    try {
        return await run(STAGE, bin('fabric-ca-client'), args, {
            env: {
                FABRIC_CA_CLIENT_URL: `https://${credentials}${endpoint(org, org.ca.port)}`,
                FABRIC_CA_CLIENT_TLS_CERTFILES: caPaths(org).caCert,
            },
        });
    } catch (error) {
        const said = /^Error: (.*)$/m.exec(error.message)?.[1];
        if (!said) throw error;
        throw new StageError(`fabric-ca-client ${args[0]} at ${org.ca.name} failed: ${said}`);
    }
}

/** A fabric-ca-client command as `caName`'s bootstrap admin (the registrar). */
function asAdmin(org, caName, args) {
    return caClient(org, [...args, '--caname', caName, '-H', caPaths(org).adminHome(caName)]);
}

/**
 * Enrolls `user` with `secret` at `caName` of `org`: a new P-256 key and a certificate with the
 * organisation's subject fields, for `hosts` (SANs), with the CA's `profile` (tls or the default).
 * Returns { cert, key } as PEM text; nothing stays on disk.
 */
export async function enroll(org, caName, user, secret, { hosts, profile } = {}) {
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'sealpact-enroll-'));
    try {
        const names = Object.entries(subjectNames(org))
            .map(([field, value]) => `${field}=${value}`)
            .join(',');
        await caClient(
            org,
            [
                'enroll',
                '-H',
                scratch,
                '--caname',
                caName,
                '--csr.names',
                names,
                '--csr.hosts',
                (hosts ?? [user]).join(','),
                ...(profile ? ['--enrollment.profile', profile] : []),
            ],
            { user, secret },
        );
        const msp = path.join(scratch, 'msp');
        const [keyFile] = fs.readdirSync(path.join(msp, 'keystore')).filter((file) => file.endsWith('_sk'));
        return {
            cert: fs.readFileSync(path.join(msp, 'signcerts', 'cert.pem'), 'utf8'),
            key: fs.readFileSync(path.join(msp, 'keystore', keyFile), 'utf8'),
        };
    } finally {
        fs.rmSync(scratch, { recursive: true, force: true });
    }
}

/**
 * Registers `name` at `caName` of `org` as `type` (client, admin, peer or orderer: its NodeOU) with
 * `affiliation` (more OUs; '' for none), its secret good for `maxEnrollments` enrollments (-1: any
 * number); returns the enrollment secret the CA made up.
 */
export async function register(org, caName, name, { type, affiliation = '', maxEnrollments = -1 }) {
    const { stdout } = await asAdmin(org, caName, [
        'register',
        '--id.name',
        name,
        '--id.type',
        type,
        '--id.maxenrollments',
        String(maxEnrollments),
        ...(affiliation ? ['--id.affiliation', affiliation] : []),
    ]);
    const secret = /^Password: (\S+)$/m.exec(stdout)?.[1];
    if (!secret) throw new StageError(`stage "${STAGE}": ${caName} registered ${name} but gave no enrollment secret`);
    return secret;
}

/** Changes the affiliation of identity `name` at `caName` ('' for the root: no OUs after its type). */
export function setAffiliation(org, caName, name, affiliation) {
    return asAdmin(org, caName, ['identity', 'modify', name, '--affiliation', affiliation || '.']);
}

/** Revokes every certificate of identity `name` at `caName` of `org`, for `reason` (RFC 5280's, e.g. keycompromise). */
export function revoke(org, caName, name, reason) {
    return asAdmin(org, caName, ['revoke', '--revoke.name', name, '--revoke.reason', reason]);
}

/** A new certificate revocation list of `org`'s identity CA (PEM): every certificate it has revoked. */
export async function identityCaCrl(org) {
    await asAdmin(org, org.ca.name, ['gencrl']);
    return fs.readFileSync(path.join(caPaths(org).adminHome(org.ca.name), 'msp', 'crls', 'crl.pem'), 'utf8');
}

/** The bootstrap admin of `caName` enrolled into its client home, with the password of its config. */
async function enrollAdmin(org, caName, configFile) {
    const adminHome = caPaths(org).adminHome(caName);
    if (fs.existsSync(path.join(adminHome, 'msp', 'signcerts', 'cert.pem'))) return;
    const password = YAML.parse(fs.readFileSync(configFile, 'utf8')).registry.identities[0].pass;
    await caClient(org, ['enroll', '-H', adminHome, '--caname', caName], { user: ADMIN, secret: password });
}

/**
 * Starts the CA server of each of `organisations` (default: every member organisation and the
 * orderers'; supervised, as process `ca.name`; with `docker`, as docker-compose.yaml's service of
 * that name), making its configuration on first start, and enrolls its bootstrap admins.
 */
export async function startCas({ docker = false, organisations = [topology.ordererOrg, ...topology.orgs] } = {}) {
    stage(
        `certificate authorities: ${organisations.length} fabric-ca-server (identity CA and TLS CA each)${docker ? ', docker compose' : ''}`,
    );
    for (const org of organisations) {
        if (!fs.existsSync(path.join(home(org), 'fabric-ca-server-config.yaml'))) writeServerConfig(org);
    }
    if (docker) {
        // docker-compose.yaml's ca.<domain> services, each on the home written above.
        await run(STAGE, 'docker', ['compose', 'up', '-d', ...organisations.map((org) => org.ca.name)], {
            cwd: ROOT,
            timeoutMs: 600000,
            env: {
                FABRIC_CA_VERSION: topology.fabricCa.version,
                SEALPACT_UID: String(process.getuid()),
                SEALPACT_GID: String(process.getgid()),
            },
        });
    } else {
        for (const org of organisations) {
            await startProcess(
                org.ca.name,
                org,
                bin('fabric-ca-server'),
                ['start', '-H', home(org)],
                {},
                home(org),
                org.ca.port,
            );
        }
    }
    await Promise.all(
        organisations.map(async (org) => {
            await waitFor(
                STAGE,
                () => canConnect(org, org.ca.port),
                30000,
                `${org.ca.name} at ${endpoint(org, org.ca.port)}`,
            );
            await enrollAdmin(org, org.ca.name, path.join(home(org), 'fabric-ca-server-config.yaml'));
            await enrollAdmin(org, tlsCaName(org), path.join(home(org), 'tlsca', 'fabric-ca-server-config.yaml'));
        }),
    );
}
