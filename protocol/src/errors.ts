/**
 * Every error code Sealpact raises, with the layers that raise it and what it means there. The
 * codes are a closed union (`ErrorCode`): a throw site with a code not listed here does not
 * compile, and the error tables in docs/ are generated from this object (`npm run docs:errors`).
 *
 * Layers, each with its error class below:
 *   chaincode  refusals of the chaincode, on the ledger (ChaincodeError; docs/ledger.md)
 *   crypto     the client's keys, envelopes, file cipher and file password (CryptoError; docs/crypto.md)
 *   store      blob stores (StoreError; docs/stores.md)
 *   ledger     the outcome of a gateway call: network, timeout, commit (LedgerError; docs/sdk.md)
 *   client     the SDK's profile, keyring, journal and local files (ClientError; docs/sdk.md)
 *   cli        the sealpact command (UsageError; docs/cli.md)
 *   evidence   checking Fabric blocks, transactions and evidence bundles offline (EvidenceError; docs/evidence.md)
 * A code may be raised in several layers (BAD_PEM by the chaincode and by the key loader); its
 * meaning is then written per layer, as each layer's table shows it.
 */
export type Layer = 'chaincode' | 'crypto' | 'store' | 'ledger' | 'client' | 'cli' | 'evidence' | 'web';

export const ERROR_CODES = {
    BAD_ARGUMENT: {
        chaincode: 'an argument is malformed (charset, format, range, statement form, bookmark)',
        crypto: 'an unknown key algorithm, suite or digest algorithm; an RSA size that is not a multiple of 8 up to 16384; a chunk size, salt or AAD out of range; a file-password option that is not a non-negative integer or a known hash',
        client: 'a method argument is unusable: send with no recipient or with the sender among them, or a signing plan or deadline that breaks its rules (docs/sdk.md)',
        cli: 'an input file named by an option is not a regular file, or too large for a key or data file',
        web: 'a request to the web gateway whose body or parameters are missing or malformed',
    },
    BAD_JSON: {
        chaincode: 'a JSON argument does not parse or has the wrong shape',
        client: 'the upload journal is not valid JSON',
        cli: 'a JSON input file (a drawing, credentials) does not parse',
    },
    FIELD_TOO_LARGE: {
        chaincode:
            'an argument exceeds its bound (file id 128, locator 1024, envelope 4096, 64 credentials, 16 MSPs, serial 128, statement 2048, …), or a grant would give a file more than 256 recipients',
    },
    BAD_PEM: {
        chaincode:
            'not a PEM `PUBLIC KEY`, undecodable, longer than 16 KiB, or an SM2 point at infinity, not uncompressed or off the curve',
        crypto: 'not a usable PEM key, or one whose private part does not match its public key (section 1)',
    },
    PRIVATE_KEY_GIVEN: {
        chaincode: 'a private key was given where a public key is needed',
        crypto: 'a private key was given where a public key is needed',
    },
    PUBLIC_KEY_GIVEN: {
        crypto: 'a public key was given where a private key is needed',
    },
    WEAK_KEY: {
        chaincode:
            'an RSA key breaking the key rule: modulus even, below 2048 or above 16384 bits; exponent even, below 65537 or not below 2^256',
        crypto: 'an RSA key breaking the key rule of ledger.md, when loading, generating or sealing to it',
    },
    UNSUPPORTED_KEY: {
        chaincode: 'neither SM2 nor RSA',
        crypto: 'any key that is neither SM2 nor RSA, or a malformed SM2 PKCS#8',
    },
    BAD_SIGNATURE: {
        chaincode: 'a proof of possession or a contract signature does not verify',
    },
    BAD_IDENTITY: {
        chaincode: "the client certificate's MSP ID or CN cannot form a party id",
        client: 'a wallet identity or MSP folder of the profile cannot be read as a certificate and private key',
        web: 'imported Fabric identity files that are not a certificate and its P-256 private key (MSP folder) or a wallet entry',
    },
    IDENTITY_CONFLICT: {
        chaincode: 'the party id belongs to a certificate with another subject or issuer',
    },
    UNKNOWN_PARTY: {
        chaincode: 'the party (or the caller) has not registered keys',
    },
    WRONG_ORG: {
        chaincode: "the caller's organisation is not an authority (verifications) or an auditor (history)",
    },
    ACCESS_DENIED: {
        chaincode:
            "not an admin of a governing MSP; not the file's owner; no active credential; a peer or orderer identity of an authority verifying",
    },
    SELF_VERIFICATION: {
        chaincode: 'an authority verifying (or revoking the verification of) itself or another party of its own MSP',
    },
    CLOCK_SKEW: {
        chaincode: "the proposal timestamp differs from the endorsing peer's clock by more than the allowed skew",
    },
    GOVERNANCE_MISMATCH: {
        chaincode:
            'the first `SetGovernance` is not the bootstrap document the chaincode server was started with (`SEALPACT_GOVERNANCE`)',
    },
    NOT_CONFIGURED: {
        chaincode:
            "the chaincode server's `SEALPACT_GOVERNANCE` (first `SetGovernance`) or `CLOCK_SKEW` (every transaction) is missing or invalid",
    },
    NOT_INITIALISED: {
        chaincode: 'the governance has not been set',
    },
    NOT_VERIFIED: {
        chaincode: 'a recipient has no valid identity verification',
        client: 'send: a recipient (or the sender) has no valid identity verification, checked before anything is uploaded',
    },
    KEY_MISMATCH: {
        chaincode: 'no active key of the needed role, or a credential not sealed to the active encryption key',
        client: "send: a recipient's encryption key on the ledger does not match its fingerprint",
        web: 'imported Sealpact key files that hold a key the ledger does not hold for the signed-in party, or lack one of its active keys',
    },
    STATEMENT_MISMATCH: {
        chaincode: 'a signing statement field disagrees with the ledger or the caller',
    },
    UNSUPPORTED_VERSION: {
        chaincode: 'a signing statement of another version than `sealpact-signing-statement/v3` (v1 and v2 included)',
        crypto: 'a container of a format version this client does not read',
    },
    DUPLICATE_ID: {
        chaincode: 'the file id exists, a party appears twice in credentials, or a party signs twice',
        client: 'send: the file id is already used by another owner',
    },
    WRONG_STATE: {
        chaincode:
            'nothing to revoke; a revoked key registered again; a signer who signed declines; ExpireContract on a contract without a deadline or before it',
        crypto: 'a digest used after it finished',
    },
    NOT_FOUND: {
        chaincode: 'no such file, or (GetContract) a file shared without a contract',
        web: 'no such API route, no pending request with this id (each is signed once, within two minutes), or no open upload with this id in this session (finished, failed or abandoned)',
    },

    PASSPHRASE_REQUIRED: {
        crypto: 'encrypted private key without a passphrase, or an empty passphrase',
        client: 'the keyring passphrase is empty',
        cli: 'a command that writes or uses a private key has no passphrase, or `--passphrase-file` is empty',
    },
    BAD_PASSPHRASE: {
        crypto: 'the encrypted private key does not decrypt with this passphrase',
        web: 'the passphrase does not open the keys this browser keeps',
    },
    PASSWORD_TOO_SHORT: {
        crypto: 'sealing a password shorter than 16 bytes (section 2)',
    },
    PASSWORD_TOO_LONG: {
        crypto: 'the password does not fit the envelope (section 2)',
    },
    BAD_ENVELOPE: {
        crypto: 'malformed envelope: bad DER, C1 not on the curve, wrong RSA length, empty content',
    },
    ENVELOPE_OPEN_FAILED: {
        crypto: 'the envelope does not decrypt with this key (wrong key or altered bytes)',
    },
    BAD_FILE_PASSWORD: {
        crypto: 'a file password that is not exactly 32 bytes',
        cli: 'a `--key-file` that does not hold exactly 32 bytes',
    },
    BAD_MAGIC: {
        crypto: 'not a Sealpact container: the magic bytes are wrong (docs/format.md)',
    },
    UNSUPPORTED_SUITE: {
        crypto: 'a container whose header names an unknown suite',
    },
    BAD_HEADER: {
        crypto: 'a container header whose chunk size is out of bounds',
    },
    HEADER_AUTH_FAILED: {
        crypto: 'the container header does not authenticate: a wrong file password or an altered header',
    },
    AAD_MISMATCH: {
        crypto: "the container's associated data is not the one the caller expects",
    },
    CHUNK_AUTH_FAILED: {
        crypto: 'a chunk does not authenticate: altered, reordered or cut ciphertext',
    },
    TRUNCATED: {
        crypto: 'the container ends inside its header or before its final chunk',
    },
    TRAILING_DATA: {
        crypto: 'data follows the final chunk',
    },
    EMPTY_FINAL_CHUNK: {
        crypto: 'an empty final chunk after data (allowed only for an empty file)',
    },
    DIGEST_MISMATCH: {
        crypto: "the ciphertext's digest is not the one expected (the one on the ledger)",
        web: 'an upload finished with a digest other than that of the bytes it received',
    },
    DIGEST_FAILED: {
        crypto: "a crypto pool worker (sealing, opening or hashing a container's chunks) failed or stopped",
    },
    BAD_DRAWING: {
        crypto: 'a drawing that is not a valid stroke list, naming the first problem by its place (docs/password.md)',
    },
    DRAWING_TOO_LARGE: {
        crypto: 'a drawing of more than 10,000 points or crossings',
    },
    TOO_FEW_KEY_POINTS: {
        crypto: 'a drawing with fewer key points than the minimum (8 by default)',
    },

    BAD_STORE_URI: {
        store: 'a store URI that does not parse; says what is wrong',
    },
    BAD_STORE_OPTIONS: {
        store: 's3 `partSize` below 5 MiB, `queueSize` or `timeoutMs` below 1',
    },
    BAD_LOCATOR: {
        store: 'a locator that does not follow the grammar below',
    },
    WRONG_STORE: {
        store: 'an `s3:` locator given to an fs store, or the reverse',
    },
    BAD_DIGEST_ALG: {
        store: '`digestAlg` other than `sha256`, `sm3`, `sha256-tree` or `sm3-tree` (docs/format.md)',
    },
    BAD_SIZE: {
        store: '`size` that is not a byte count',
    },
    SIZE_MISMATCH: {
        store: 'the source is longer or shorter than the declared `size`; nothing stored',
    },
    SOURCE_FAILED: {
        store: 'reading the source failed (its own `SealpactError` passes through unchanged)',
    },
    BAD_SOURCE: {
        store: 'the source gave text rather than bytes',
    },
    BLOB_NOT_FOUND: {
        store: '`get` of an object the store does not hold',
    },
    BLOB_TAMPERED: {
        store: "the object's bytes do not hash to its locator's digest",
    },
    BLOB_TOO_LARGE: {
        store: 's3: an object over 5 GiB (see below)',
    },
    STORE_UNAVAILABLE: {
        store: 's3: the endpoint cannot be reached, or stays silent past `timeoutMs` (10 s by default) three times',
    },
    STORE_ACCESS_DENIED: {
        store: 's3: the service refused the credentials or the bucket policy forbids it',
    },
    STORE_NOT_FOUND: {
        store: 's3: the bucket does not exist',
    },
    STORE_ERROR: {
        store: 's3: any other service error, with its name and HTTP status',
    },

    NETWORK_DOWN: {
        ledger: 'no answer from the peer, naming the endpoint',
    },
    TIMEOUT: {
        ledger: 'a gateway call timed out, naming the stage (evaluate, endorse, submit, commit)',
    },
    COMMIT_FAILED: {
        ledger: "the transaction was invalidated at commit, with Fabric's validation code (for example `MVCC_READ_CONFLICT`); nothing was written",
    },
    COMMIT_UNKNOWN: {
        ledger: 'the transaction may have reached the orderer but no commit status came back (a `CommitUnknownError` with `txId`)',
    },
    LEDGER_ERROR: {
        ledger: "any other gateway failure, with the peers' messages, or a chaincode refusal whose code is not a chaincode code",
    },

    NO_PROFILE: {
        client: 'the connection profile cannot be read (is the network up?)',
    },
    BAD_PROFILE: {
        client: 'the connection profile is not valid JSON, lacks `channel`, `chaincode` or `orgs`, or names a file that cannot be read',
    },
    UNKNOWN_IDENTITY: {
        client: 'the profile has no such identity or organisation; lists the known ones',
    },
    AMBIGUOUS_IDENTITY: {
        client: 'an identity name found in several organisations; qualify it as `MSP/name`',
    },
    NO_KEYRING: {
        client: "the operation needs the party's keyring (its private keys) and none was given",
    },
    BAD_KEYRING: {
        client: 'the keyring is not a folder, its index is unreadable, or a key file holds another key',
    },
    NO_PRIVATE_KEY: {
        client: 'the keyring holds no private key with the fingerprint needed',
        web: 'the keys this browser keeps include none that the credential was sealed to (import the key files that hold it)',
    },
    NO_ACTIVE_KEY: {
        client: 'the keyring has no active key of the needed role, or a party has no active encryption key on the ledger',
    },
    UNSAFE_PERMISSIONS: {
        client: 'a config file or keyring folder belongs to another user or is writable by others',
    },
    FILE_EXISTS: {
        client: 'an output file already exists; it is never overwritten',
        cli: '`keygen`: a key file already exists; neither key is written',
    },
    FILE_NOT_FOUND: {
        client: 'an input file or folder does not exist',
    },
    IO_ERROR: {
        client: 'a file system failure, naming the path',
        store: 'fs: a file system failure, naming the path',
    },

    USAGE: {
        cli: 'unknown command or option, missing or malformed option value (exit code 2)',
    },
    BAD_CONFIG: {
        cli: 'the config file is not a file, not a JSON object, or has a member that is not a string',
    },
    INTERRUPTED: {
        cli: 'stopped by SIGINT, SIGTERM or SIGHUP; unfinished output removed (exit code 128 + the signal)',
    },
    UNEXPECTED: {
        cli: 'a failure that is not a `SealpactError` (a bug): its first line only',
        web: 'a failure of the gateway that is not a `SealpactError` (a bug); its text stays in its log',
    },
    NOT_A_SIGNER: {
        chaincode: "the caller is not in the contract's signing plan (sign, decline)",
    },
    NOT_YOUR_TURN: {
        chaincode: "the caller's step of the signing plan is not open yet: an earlier step has not finished signing",
    },
    CONTRACT_CLOSED: {
        chaincode:
            'the contract is completed, declined, voided or expired: nothing more can be signed, declined or voided',
    },
    DEADLINE_PASSED: {
        chaincode: "the contract's deadline has passed (by the transaction time): it can only be recorded as expired",
    },
    UNVERIFIED_READ: {
        ledger: "a read's endorsed response does not verify against the trust anchors (the message names the check that failed); nothing was sealed or written",
    },
    BAD_TRUST_ANCHORS: {
        client: 'the trust anchors (profile `trustAnchors`, a `--trust-anchors` folder) are missing, or not CA certificates',
        evidence: 'the trust anchors given are missing, or not CA certificates',
    },
    UNTRUSTED_CONFIG: {
        evidence:
            "a channel configuration block whose organisations' CA certificates are not the trust anchors, that is not a configuration block, or is not the one in force",
    },
    BAD_PROTOBUF: {
        evidence:
            'bytes that do not decode as the Fabric message expected (block, envelope, proposal response, configuration)',
    },
    BAD_ENDORSEMENT: {
        evidence:
            "an endorsement whose signature does not verify (or is not low-S), whose endorser is not a peer of a channel organisation, or whose response differs from the others'",
    },
    POLICY_NOT_SATISFIED: {
        evidence:
            "the endorsing organisations do not satisfy the chaincode's endorsement policy read from the channel configuration",
    },
    BAD_CREATOR: {
        evidence: "the transaction's creator certificate does not chain to its MSP, or its signature does not verify",
    },
    BAD_BLOCK: {
        evidence:
            "a block's data hash does not cover its transactions, or a transaction is not in the block it is said to be in",
    },
    BAD_BLOCK_SIGNATURE: {
        evidence: "a block has no orderer signature that verifies against the orderer organisation's CA",
    },
    BROKEN_CHAIN: {
        evidence: "a block's previous hash is not the hash of the block before it, or a block of the range is missing",
    },
    TX_NOT_VALID: {
        evidence: "the block's metadata marks the transaction invalid (its validation code is not VALID)",
    },
    CONTENT_MISMATCH: {
        evidence: "a transaction's write set or returned payload does not hold the record relied on",
    },
    BAD_BUNDLE: {
        evidence:
            'an evidence bundle that is not a readable ZIP, lacks or adds a member, or whose member digest differs from its manifest',
    },
    STORY_INCONSISTENT: {
        evidence:
            "the file's story does not hold together: a key used before it was registered or after it retired, a recipient unverified at sharing time, a signature before the share or with another key",
    },
    CONTRACT_MISMATCH: {
        evidence: 'the contract given with `--contract` is not the file that was shared and signed',
    },
    NOT_SIGNED_IN: {
        web: 'a blob, event or ledger request without a session, or with an expired one: sign in again with the Fabric identity',
    },
    BAD_LOGIN: {
        web: "a sign-in whose challenge is unknown, used or expired, whose certificate the organisation's CA did not issue or is not valid now, or whose signature does not verify",
    },
    PART_OUT_OF_ORDER: {
        web: 'an upload part whose number is not the next one (a duplicate, a gap, or one sent while the previous part is still arriving); the upload goes on',
    },
    PART_TOO_LARGE: {
        web: 'an upload part without a content length, or longer than the part size the upload named; the upload goes on',
    },
    PROPOSAL_MISMATCH: {
        web: 'the browser refused to sign: the bytes the gateway gave it are not the proposal, transaction or commit request it asked for',
    },
} as const satisfies Record<string, Partial<Record<Layer, string>>>;

/** Every error code. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** The codes raised in one layer. */
export type CodeOf<L extends Layer> = {
    [C in ErrorCode]: L extends keyof (typeof ERROR_CODES)[C] ? C : never;
}[ErrorCode];

/** Whether `code` is raised in `layer`: a refusal the client receives as text is checked with this. */
export function isCodeOf<L extends Layer>(code: string, layer: L): code is CodeOf<L> {
    return Object.hasOwn(ERROR_CODES, code) && Object.hasOwn(ERROR_CODES[code as ErrorCode], layer);
}

/**
 * One error type for every refusal in Sealpact, on the ledger and in the client.
 * `code` is stable and meant for programs; `message` ("CODE: text") is for people and never holds
 * a secret. The parsers shared by both sides (this package) throw it directly; each layer throws
 * its own subclass below, which accepts only that layer's codes.
 */
export class SealpactError extends Error {
    constructor(
        readonly code: ErrorCode,
        message: string,
    ) {
        super(`${code}: ${message}`);
        this.name = new.target.name;
    }
}

/** The base of a layer's error class: a SealpactError whose code is one of that layer's. */
function layerError<L extends Layer>() {
    return class extends SealpactError {
        declare readonly code: CodeOf<L>;
        // eslint-disable-next-line @typescript-eslint/no-useless-constructor -- not useless: accepts only CodeOf<L>
        constructor(code: CodeOf<L>, message: string) {
            super(code, message);
        }
    };
}

/** A refusal of the chaincode: thrown on the ledger, and rebuilt by the client from "CODE: text". */
export class ChaincodeError extends layerError<'chaincode'>() {}

/** A failure of the client's keys, envelopes, file cipher or file password. */
export class CryptoError extends layerError<'crypto'>() {}

/** A failure of a blob store. */
export class StoreError extends layerError<'store'>() {}

/** The outcome of a gateway call that did not reach the chaincode or whose commit failed or is unknown. */
export class LedgerError extends layerError<'ledger'>() {}

/** A failure of the SDK's profile, keyring, upload journal or local files. */
export class ClientError extends layerError<'client'>() {}

/** A command-line mistake or a failure of the CLI itself. */
export class UsageError extends layerError<'cli'>() {}

/** A block, transaction, channel configuration or evidence bundle that does not verify. */
export class EvidenceError extends layerError<'evidence'>() {}

/** A refusal of the web gateway, or of the browser client checking what the gateway gave it. */
export class WebError extends layerError<'web'>() {}

/** Narrow an unknown thrown value to a SealpactError with the given code (for tests and callers). */
export function isSealpactError<C extends ErrorCode>(err: unknown, code?: C): err is SealpactError & { code: C } {
    return err instanceof SealpactError && (code === undefined || err.code === code);
}
