import { SealpactError } from './errors';

/**
 * The two messages Sealpact parties sign, as ASCII text: a header line, then `name: value` lines
 * in a fixed order, each line ending in a single LF (0x0a), the last one included. No value may
 * contain a control character. Being plain text, they can be written with `printf` and checked
 * with `openssl dgst` (see docs/ledger.md). Shared by the chaincode (which verifies) and the
 * client (which signs).
 */

/** Header of the key-registration proof of possession. */
export const KEY_REGISTRATION_HEADER = 'sealpact-key-registration/v1';
/**
 * Header of the contract signing statement. v3 adds the contract's plan and the signer's step to
 * v2; v1 carried a plain digest of the contract, which any channel member could test a guess
 * against. SignContract refuses both (UNSUPPORTED_VERSION); signature records keep them readable.
 */
export const SIGNING_STATEMENT_HEADER = 'sealpact-signing-statement/v3';
/** Header of the v2 signing statement, still in signature records written before v3. */
export const SIGNING_STATEMENT_V2_HEADER = 'sealpact-signing-statement/v2';

/** What a key registration's proof of possession binds together. */
export interface KeyRegistrationFields {
    /** Fabric channel id. */
    channel: string;
    /** Chaincode name the transaction is addressed to. */
    chaincode: string;
    partyId: string;
    /** The party's key-set sequence this registration creates: 1 for the first, then +1 per registration. */
    sequence: number;
    /** SHA-256 SPKI fingerprint (hex) of the encryption key. */
    encryptionKey: string;
    /** SHA-256 SPKI fingerprint (hex) of the signing key (equal to encryptionKey when one pair serves both). */
    signingKey: string;
}

/** What a v2 contract signature binds together (v3 without the plan and step). */
export interface SigningStatementFieldsV2 {
    fileId: string;
    /** `sm3` or `sha256`, the file's digest algorithm. */
    digestAlgorithm: string;
    /**
     * Hex HMAC of the contract's plaintext under the file's commitment key (derived from the file
     * password, see client/src/crypto/commitment.ts): only holders of that key can check it.
     */
    plaintextCommitment: string;
    /** Hex digest of the ciphertext as recorded on the ledger. */
    ciphertextDigest: string;
    /** Party id of the signer. */
    signer: string;
    /** SHA-256 SPKI fingerprint (hex) of the signer's signing key. */
    signingKey: string;
}

/** What a contract signature binds together. */
export interface SigningStatementFields extends SigningStatementFieldsV2 {
    /** The contract's planHash (64 lowercase hex); null for a file shared without a signing plan. */
    contractPlan: string | null;
    /** The signer's step of the plan, 1-based; null exactly when contractPlan is. */
    step: number | null;
}

const KEY_REGISTRATION_NAMES = ['channel', 'chaincode', 'party', 'sequence', 'encryption-key', 'signing-key'] as const;
const SIGNING_STATEMENT_NAMES = [
    'file-id',
    'digest-algorithm',
    'plaintext-commitment',
    'ciphertext-digest',
    'contract-plan',
    'step',
    'signer',
    'signing-key',
] as const;
const SIGNING_STATEMENT_V2_NAMES = [
    'file-id',
    'digest-algorithm',
    'plaintext-commitment',
    'ciphertext-digest',
    'signer',
    'signing-key',
] as const;
/** The value of `contract-plan` and `step` for a file without a signing plan. */
const NONE = 'none';

/** What a browser signs with its Fabric key to open a session at a web gateway (docs/web.md). */
export const WEB_LOGIN_HEADER = 'sealpact-web-login/v1';
const WEB_LOGIN_NAMES = ['gateway', 'challenge'] as const;

/** One value for each of a statement's names, in their order. */
type Values<Names extends readonly string[]> = { -readonly [K in keyof Names]: string };

/** The exact bytes (UTF-8 of this string) each key signs to prove possession at registration. */
export function keyRegistrationStatement(fields: KeyRegistrationFields): string {
    return lineStatement(KEY_REGISTRATION_HEADER, KEY_REGISTRATION_NAMES, [
        fields.channel,
        fields.chaincode,
        fields.partyId,
        String(fields.sequence),
        fields.encryptionKey,
        fields.signingKey,
    ]);
}

/**
 * The exact bytes (UTF-8 of this string) a browser signs with its Fabric identity's key to sign in
 * at the web gateway `gateway` (its origin), answering the one-time `challenge` it gave.
 */
export function webLoginStatement(gateway: string, challenge: string): string {
    return lineStatement(WEB_LOGIN_HEADER, WEB_LOGIN_NAMES, [gateway, challenge]);
}

/**
 * The exact bytes (UTF-8 of this string) a party signs to sign a contract; throws BAD_ARGUMENT
 * for a field that has no place in it (a control character, a plan that is not 64 lowercase hex,
 * a step that is not a positive integer, a plan without a step or a step without a plan).
 */
export function signingStatement(fields: SigningStatementFields): string {
    if ((fields.contractPlan === null) !== (fields.step === null)) {
        throw new SealpactError('BAD_ARGUMENT', 'statement fields contract-plan and step are both none or both set');
    }
    if (fields.contractPlan !== null && !/^[0-9a-f]{64}$/.test(fields.contractPlan)) {
        throw new SealpactError('BAD_ARGUMENT', 'statement field contract-plan must be 64 lowercase hex digits');
    }
    if (fields.step !== null && !(Number.isSafeInteger(fields.step) && fields.step >= 1)) {
        throw new SealpactError('BAD_ARGUMENT', 'statement field step must be a positive integer');
    }
    return lineStatement(SIGNING_STATEMENT_HEADER, SIGNING_STATEMENT_NAMES, [
        fields.fileId,
        fields.digestAlgorithm,
        fields.plaintextCommitment,
        fields.ciphertextDigest,
        fields.contractPlan ?? NONE,
        fields.step === null ? NONE : String(fields.step),
        fields.signer,
        fields.signingKey,
    ]);
}

/**
 * Parse a signing statement; throws UNSUPPORTED_VERSION for another version of it (v1 and v2
 * included) and BAD_ARGUMENT unless `text` is exactly the statement signingStatement writes for
 * its fields (one encoding per statement).
 */
export function parseSigningStatement(text: string): SigningStatementFields {
    const [header = ''] = text.split('\n', 1);
    if (header !== SIGNING_STATEMENT_HEADER && /^sealpact-signing-statement\/v[0-9]+$/.test(header)) {
        throw new SealpactError(
            'UNSUPPORTED_VERSION',
            `${header} statements are not accepted: sign a ${SIGNING_STATEMENT_HEADER} statement`,
        );
    }
    const values = parseLineStatement(SIGNING_STATEMENT_HEADER, SIGNING_STATEMENT_NAMES, text);
    const [fileId, digestAlgorithm, plaintextCommitment, ciphertextDigest, plan, step, signer, signingKey] = values;
    if (step !== NONE && !/^[1-9][0-9]*$/.test(step)) {
        throw new SealpactError('BAD_ARGUMENT', 'statement field step must be "none" or a positive decimal integer');
    }
    const fields: SigningStatementFields = {
        fileId,
        digestAlgorithm,
        plaintextCommitment,
        ciphertextDigest,
        contractPlan: plan === NONE ? null : plan,
        step: step === NONE ? null : Number(step),
        signer,
        signingKey,
    };
    signingStatement(fields); // the rules of writing, contract-plan's form and pairing with step among them
    return fields;
}

/**
 * Parse a v2 signing statement, as signature records written before v3 hold it (never accepted
 * for a new signature); BAD_ARGUMENT unless `text` is exactly in its canonical form.
 */
export function parseSigningStatementV2(text: string): SigningStatementFieldsV2 {
    const values = parseLineStatement(SIGNING_STATEMENT_V2_HEADER, SIGNING_STATEMENT_V2_NAMES, text);
    const [fileId, digestAlgorithm, plaintextCommitment, ciphertextDigest, signer, signingKey] = values;
    return { fileId, digestAlgorithm, plaintextCommitment, ciphertextDigest, signer, signingKey };
}

function lineStatement<Names extends readonly string[]>(header: string, names: Names, values: Values<Names>): string {
    const lines = names.map((name, i) => {
        return `${name}: ${checkedValue(name, values[i] ?? '')}`;
    });
    return [header, ...lines].join('\n') + '\n';
}

function checkedValue(name: string, value: string): string {
    if (value.length === 0 || hasControlCharacter(value)) {
        throw new SealpactError('BAD_ARGUMENT', `statement field ${name} is empty or holds a control character`);
    }
    return value;
}

function hasControlCharacter(value: string): boolean {
    for (const c of value) {
        if (c < ' ' || c === '\x7f') {
            return true;
        }
    }
    return false;
}

function parseLineStatement<Names extends readonly string[]>(
    header: string,
    names: Names,
    text: string,
): Values<Names> {
    const lines = text.split('\n');
    if (lines.length !== names.length + 2 || lines[0] !== header || lines[lines.length - 1] !== '') {
        throw new SealpactError(
            'BAD_ARGUMENT',
            `the statement must be "${header}" and ${names.length} "name: value" lines, each ending in LF`,
        );
    }
    return names.map((name, i) => {
        const prefix = `${name}: `;
        // lines holds a line for each name (checked above).
        const line = lines[i + 1] ?? '';
        if (!line.startsWith(prefix)) {
            throw new SealpactError('BAD_ARGUMENT', `statement line ${i + 2} must start with "${prefix}"`);
        }
        // The same rule as writing, so every accepted statement has exactly one encoding.
        return checkedValue(name, line.slice(prefix.length));
    }) as Values<Names>;
}
