import { closeSync, existsSync, fstatSync, openSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { UsageError } from '@sealpact/protocol';
import { ioError } from '../atomic-file';
import { refuseUnsafe } from '../file-safety';
import { connect } from '../sdk/connect';
import { checkKeyringFolder } from '../sdk/keyring';
import { IdentitySource } from '../sdk/profile';
import { Sealpact } from '../sdk/sealpact';
import { OptionSpec, Options } from './command';
import { PASSPHRASE_ENV, PASSPHRASE_OPTION, readPassphrase } from './inputs';

/** The repository root, when the CLI runs from its build (client/dist/cli). */
export const REPO_ROOT = resolve(__dirname, '..', '..', '..');

/** Options every ledger command takes; each also comes from the environment or a config file. */
export const SESSION_OPTIONS: Record<string, OptionSpec> = {
    config: {
        type: 'string',
        description:
            'JSON config file with profile, identity, store, keyring (or SEALPACT_CONFIG; default ./sealpact.json); yours alone, not writable by others',
    },
    profile: { type: 'string', description: "connection profile (or SEALPACT_PROFILE; default the local network's)" },
    identity: {
        type: 'string',
        description:
            'Fabric identity: a name in the profile (alice@org1.example.com), msp:<MSP ID>:<MSP folder> or wallet:<folder>:<label> (or SEALPACT_IDENTITY)',
    },
    store: { type: 'string', description: 'blob store URI, fs:///dir or s3://bucket?endpoint=… (or SEALPACT_STORE)' },
    keyring: {
        type: 'string',
        description:
            'folder of your Sealpact private keys (or SEALPACT_KEYRING; default ~/.sealpact/keyrings/<identity>)',
    },
    'trust-anchors': {
        type: 'string',
        description:
            "folder of the channel's CA certificates (<MSPID>.pem) that verified reads trust (or SEALPACT_TRUST_ANCHORS; default the profile's)",
    },
    'passphrase-file': PASSPHRASE_OPTION,
};

const CONFIG_KEYS = ['profile', 'identity', 'store', 'keyring', 'trust-anchors'] as const;
type SessionConfig = Partial<Record<(typeof CONFIG_KEYS)[number], string>>;

const IMPLICIT_CONFIG = './sealpact.json';

/**
 * A config file, named or found in the working folder. It decides which peer, TLS CA, store and
 * keyring are trusted, so it is refused unless it is yours and no one else may write it, named
 * or not: a named file is often a shared one, and a planted ./sealpact.json is not named at all.
 * Checked on the open descriptor, so the file read is the file checked.
 */
function readConfig(path: string): SessionConfig {
    let fd: number;
    try {
        fd = openSync(path, 'r');
    } catch (err) {
        throw ioError(err, path);
    }
    let text: string;
    try {
        const stats = fstatSync(fd);
        if (!stats.isFile()) {
            throw new UsageError('BAD_CONFIG', `the config file ${path} is not a file`);
        }
        refuseUnsafe(stats, path, 'the config file');
        text = readFileSync(fd, 'utf8');
    } finally {
        closeSync(fd);
    }
    let config: unknown;
    try {
        config = JSON.parse(text);
    } catch {
        throw new UsageError('BAD_CONFIG', `the config file ${path} is not valid JSON`);
    }
    if (typeof config !== 'object' || config === null || Array.isArray(config)) {
        throw new UsageError('BAD_CONFIG', `the config file ${path} is not a JSON object`);
    }
    for (const key of CONFIG_KEYS) {
        const value = (config as SessionConfig)[key];
        if (value !== undefined && typeof value !== 'string') {
            throw new UsageError('BAD_CONFIG', `"${key}" in the config file ${path} is not a string`);
        }
    }
    return config;
}

/** Flag, else environment variable, else config file, else default. */
function settings(options: Options): Required<Omit<SessionConfig, 'trust-anchors'>> & SessionConfig {
    const configPath =
        (options.config as string | undefined) ??
        process.env.SEALPACT_CONFIG ??
        (existsSync(IMPLICIT_CONFIG) ? IMPLICIT_CONFIG : undefined);
    let config: SessionConfig = {};
    if (configPath !== undefined) {
        config = readConfig(configPath);
        // Settings that came from a file nobody typed must not go unnoticed.
        process.stderr.write(`sealpact: using config ${configPath}\n`);
    }
    const pick = (name: keyof SessionConfig, env: string) =>
        (options[name] as string | undefined) ?? process.env[env] ?? config[name];
    const identity = pick('identity', 'SEALPACT_IDENTITY');
    if (identity === undefined) {
        throw new UsageError(
            'USAGE',
            'say who you are: --identity, SEALPACT_IDENTITY or "identity" in the config file',
        );
    }
    return {
        identity,
        profile: pick('profile', 'SEALPACT_PROFILE') ?? join(REPO_ROOT, 'network', '.data', 'connection.json'),
        store: pick('store', 'SEALPACT_STORE') ?? `fs://${join(REPO_ROOT, 'network', '.data', 'blobs')}`,
        keyring:
            pick('keyring', 'SEALPACT_KEYRING') ??
            join(homedir(), '.sealpact', 'keyrings', identity.replace(/[^\w@.-]+/g, '_')),
        'trust-anchors': pick('trust-anchors', 'SEALPACT_TRUST_ANCHORS'),
    };
}

/** `msp:<MSP ID>:<folder>` and `wallet:<folder>:<label>` name identities outside the profile. */
function identitySource(identity: string): IdentitySource {
    const [kind, first, ...rest] = identity.split(':');
    if ((kind === 'msp' || kind === 'wallet') && first && rest.length > 0) {
        const second = rest.join(':');
        return kind === 'msp' ? { mspId: first, mspDir: second } : { walletDir: first, label: second };
    }
    return identity;
}

/** Connect as the configured party; the keyring is opened only when `needsKeys`. */
export async function openSession(options: Options, needsKeys: boolean): Promise<Sealpact> {
    const { profile, identity, store, keyring, 'trust-anchors': trustAnchors } = settings(options);
    // Also when no key is needed: the upload journal that gc trusts is kept in this folder.
    await checkKeyringFolder(keyring);
    let passphrase: string | undefined;
    if (needsKeys) {
        passphrase = await readPassphrase(options);
        if (passphrase === undefined) {
            throw new UsageError(
                'PASSPHRASE_REQUIRED',
                `your keyring is encrypted: give --passphrase-file or set ${PASSPHRASE_ENV}`,
            );
        }
    }
    return connect({
        profile,
        identity: identitySource(identity),
        store,
        keyring: passphrase === undefined ? undefined : { dir: keyring, passphrase },
        uploadJournal: join(keyring, 'uploads.json'),
        trustAnchors,
    });
}

/** Run `work` with a session and always close it. */
export async function withSession<T>(
    options: Options,
    needsKeys: boolean,
    work: (session: Sealpact) => Promise<T>,
): Promise<T> {
    const session = await openSession(options, needsKeys);
    try {
        return await work(session);
    } finally {
        session.close();
    }
}
