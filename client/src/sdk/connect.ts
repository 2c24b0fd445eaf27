import { join } from 'node:path';
import { BlobStore } from '../store/blob-store';
import { openStore } from '../store/open-store';
import { Keyring } from './keyring';
import { CommitClock } from './commit-clock';
import { Deadlines, LedgerConnection } from './ledger';
import { ConnectionProfile, IdentitySource, loadProfile } from './profile';
import { Sealpact } from './sealpact';
import { UploadJournal } from './upload-journal';
import { TrustAnchors, trustAnchorsFromDir } from '../verify/trust-anchors';

export interface ConnectOptions {
    /** A connection profile, or the path of one (network:up writes network/.data/connection.json). */
    profile: ConnectionProfile | string;
    /**
     * The Fabric identity to act as: its name in the profile ("alice@org1.example.com" or
     * "Org1MSP/alice@org1.example.com"), `{ mspId, mspDir }` for an MSP folder, or
     * `{ walletDir, label }` for an identity in a wallet folder.
     */
    identity: IdentitySource;
    /** Where encrypted files live: a BlobStore, or a store URI ("fs:///path", "s3://bucket?endpoint=…"). */
    store: BlobStore | string;
    /** The party's Sealpact private keys: a Keyring, or its folder and passphrase. Needed to register, receive, sign and grant. */
    keyring?: Keyring | { dir: string; passphrase: string };
    /**
     * The upload journal file, which lets `gc` remove only this party's own orphaned blobs;
     * default `uploads.json` in the keyring folder when the keyring is given as a folder.
     */
    uploadJournal?: string;
    /** Per-stage deadlines in milliseconds. */
    deadlines?: Partial<Deadlines>;
    /**
     * The channel's trust anchors for verified reads: a folder of `<MSPID>.pem` CA certificates, or
     * TrustAnchors; default the profile's `trustAnchors` (docs/evidence.md).
     */
    trustAnchors?: string | TrustAnchors;
    /**
     * Shared by sessions that act on each other's writes through different organisations' peers:
     * each then waits for its own peer to hold the others' newest commit (docs/sdk.md#read-your-writes).
     */
    clock?: CommitClock;
}

/**
 * Connect one party to Sealpact: its organisation's gateway peer (gRPC with TLS, transactions
 * signed with the identity's private key), its blob store and its keyring.
 */
export async function connect(options: ConnectOptions): Promise<Sealpact> {
    const profile = typeof options.profile === 'string' ? loadProfile(options.profile) : options.profile;
    const store = typeof options.store === 'string' ? openStore(options.store) : options.store;
    const keyring =
        options.keyring === undefined || options.keyring instanceof Keyring
            ? options.keyring
            : await Keyring.open(options.keyring.dir, options.keyring.passphrase);
    const journal =
        options.uploadJournal ??
        (options.keyring && !(options.keyring instanceof Keyring)
            ? join(options.keyring.dir, 'uploads.json')
            : undefined);
    return new Sealpact(
        new LedgerConnection(profile, options.identity, {
            deadlines: options.deadlines,
            trustAnchors:
                typeof options.trustAnchors === 'string'
                    ? trustAnchorsFromDir(options.trustAnchors)
                    : options.trustAnchors,
            clock: options.clock,
        }),
        store,
        keyring,
        journal === undefined ? undefined : new UploadJournal(journal),
    );
}
