// npm run network:identity -- register|enroll|revoke --org ORG --name NAME — an organisation's
// identities after network:up, through its CAs (ca.mjs):
//   register  registers NAME at both of ORG's CAs (identity CA, TLS CA) with one-time enrollment
//             secrets, kept 0600 in network/.data/ca/<domain>/secrets/NAME.json until enroll
//   enroll    enrolls NAME with them into network/.data/crypto/<domain>/users/NAME/{msp,tls}, the
//             folders the SDK and the CLI take (--identity msp:<MSP ID>:<msp folder>)
//   revoke    revokes NAME's certificates at both CAs and puts the identity CA's new revocation
//             list into ORG's MSP in the channel configuration: from then on every peer refuses
//             NAME's proposals and transactions
import console from 'node:console';
import fs from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import { Buffer } from 'node:buffer';
import { caPaths, identityCaCrl, revoke, tlsCaName } from './ca.mjs';
import { updateChannelConfig } from './channel-config.mjs';
import { enrollIdentity, identityPaths, registerIdentity } from './crypto.mjs';
import { CRYPTO, main, parseOptions, ROOT, stage, topology, UsageError } from './lib.mjs';

// RFC 5280's reasons, as fabric-ca-client names them.
const REASONS = [
    'unspecified',
    'keycompromise',
    'cacompromise',
    'affiliationchange',
    'superseded',
    'cessationofoperation',
    'certificatehold',
    'removefromcrl',
    'privilegewithdrawn',
    'aacompromise',
];

const USAGE = {
    usage: 'npm run network:identity -- register|enroll|revoke --org ORG --name NAME [--type client|admin] [--reason R]',
    summary:
        "Adds an identity to an organisation through its CAs (register, then enroll), or revokes one in the channel's MSP.",
    positionals: { name: 'register|enroll|revoke', description: 'what to do' },
    options: {
        org: {
            type: 'string',
            value: 'ORG',
            description: `the organisation: ${topology.orgs.map((org) => org.name).join(', ')}`,
            required: true,
            parse: (text) => {
                const org = topology.orgs.find((candidate) => candidate.name === text);
                if (!org)
                    throw new Error(`must be one of ${topology.orgs.map((candidate) => candidate.name).join(', ')}`);
                return org;
            },
        },
        name: {
            type: 'string',
            value: 'NAME',
            description: 'the identity, e.g. erin@org2.example.com (its CN and folder name)',
            required: true,
            parse: (text) => {
                if (!/^[A-Za-z0-9][A-Za-z0-9._@-]*$/.test(text)) throw new Error('must be letters, digits and . _ @ -');
                return text;
            },
        },
        type: {
            type: 'string',
            value: 'client|admin',
            description: "register: the identity's NodeOU (default client)",
            parse: (text) => {
                if (!['client', 'admin'].includes(text)) throw new Error('must be client or admin');
                return text;
            },
        },
        reason: {
            type: 'string',
            value: 'R',
            description: `revoke: why (default unspecified; ${REASONS.slice(1).join(', ')})`,
            parse: (text) => {
                if (!REASONS.includes(text)) throw new Error(`must be one of ${REASONS.join(', ')}`);
                return text;
            },
        },
    },
};

const secretsFile = (org, name) => path.join(caPaths(org).home, 'secrets', `${name}.json`);
const relative = (file) => path.relative(ROOT, file);

async function registerCommand(org, name, type) {
    const secrets = await registerIdentity(org, { name, type, maxEnrollments: 1 });
    const file = secretsFile(org, name);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, JSON.stringify(secrets) + '\n', { mode: 0o600 });
    console.log(
        `[network] registered ${name} (${type}) at ${org.ca.name} and ${tlsCaName(org)}; ` +
            `its one-time enrollment secrets are in ${relative(file)} (0600) until enroll`,
    );
}

async function enrollCommand(org, name) {
    const file = secretsFile(org, name);
    if (!fs.existsSync(file)) {
        throw new UsageError(`no enrollment secrets for ${name} in ${relative(file)}: register it first`);
    }
    await enrollIdentity(
        org,
        path.join(CRYPTO, org.domain, 'users', name),
        name,
        JSON.parse(fs.readFileSync(file, 'utf8')),
    );
    fs.rmSync(file); // spent: each secret allowed one enrollment
    const { msp } = identityPaths(org, name);
    console.log(`[network] enrolled ${name}: ${relative(msp)}`);
    console.log(`[network]   use it with --identity msp:${org.mspId}:${relative(msp)}`);
}

/**
 * Revokes at both CAs, then puts the identity CA's revocation list into the organisation's MSP in
 * the channel configuration. Its MSP value's mod_policy is the organisation's own Admins policy
 * (configtxgen writes it so): the organisation's admin signs the update alone.
 */
async function revokeCommand(org, name, reason) {
    for (const caName of [org.ca.name, tlsCaName(org)]) await revoke(org, caName, name, reason);
    const crl = await identityCaCrl(org);
    stage(`revoked ${name} at ${org.ca.name} and ${tlsCaName(org)}; putting ${org.ca.name}'s CRL into ${org.mspId}`);
    const block = await updateChannelConfig(
        (config) => {
            const msp = config.channel_group.groups.Application.groups[org.name].values.MSP.value.config;
            // The CA's list names every certificate it revoked so far: it replaces the one there.
            msp.revocation_list = [Buffer.from(crl).toString('base64')];
        },
        [org],
    );
    console.log(`[network] ${name} is revoked: config block ${block} carries ${org.mspId}'s new revocation list`);
}

async function identity() {
    const { values, positionals } = parseOptions(USAGE);
    const [command, ...rest] = positionals;
    if (!['register', 'enroll', 'revoke'].includes(command) || rest.length > 0) {
        throw new UsageError(`expected one of register, enroll, revoke, not ${JSON.stringify(positionals.join(' '))}`);
    }
    if (command === 'register') await registerCommand(values.org, values.name, values.type ?? 'client');
    if (command === 'enroll') await enrollCommand(values.org, values.name);
    if (command === 'revoke') await revokeCommand(values.org, values.name, values.reason ?? 'unspecified');
    return 0;
}

if (import.meta.url === `file://${process.argv[1]}`) main(identity);
