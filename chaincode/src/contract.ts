import { Context, Contract, Info, Returns, Transaction } from 'fabric-contract-api';
import { getHistory } from './audit';
import { checkProposalTime } from './clock';
import { getCredential, getFile, grantAccess, listIndex, revokeAccess, shareFile } from './files';
import { getGovernance, setGovernance } from './governance';
import {
    declineContract,
    expireContract,
    getContract,
    listAwaiting,
    listStarted,
    shareContract,
    voidContract,
} from './lifecycle';
import { callerOf } from './identity';
import { measured } from './metrics';
import { canonicalJson } from '@sealpact/protocol';
import {
    getParty,
    listKeys,
    recordVerification,
    registerKeys,
    revokeKeys,
    revokeVerification,
    whoAmI,
} from './registry';
import { getSignatures, signContract } from './signatures';
import { getFileStory } from './story';
import { KEY_TYPES } from './state';

/** What fabric-shim passes aroundTransaction: the transaction's name (fabric-contract-api's types say Function). */
type TransactionName = Parameters<Contract['aroundTransaction']>[1];

/**
 * The Sealpact contract: every transaction takes string arguments (JSON where structured) and
 * returns canonical JSON. The caller is always the transaction's client identity. Refusals throw
 * SealpactError, whose message "CODE: text" reaches the client as the transaction error.
 * docs/ledger.md documents arguments, records and rules.
 */
@Info({
    title: 'Sealpact',
    description: 'Confidential contracts: key registry, file credentials, signing plans, signatures, audit',
})
export class SealpactContract extends Contract {
    constructor() {
        super('sealpact');
    }

    /**
     * Around every transaction: refuse a proposal timestamped too far from this peer's clock
     * (CLOCK_SKEW), then run it; metrics.ts counts either outcome. fabric-shim calls this inside the
     * transaction's try, so a throw refuses the transaction; `fn` is the transaction's name.
     */
    override aroundTransaction(ctx: Context, fn: TransactionName, parameters: unknown): Promise<void> {
        return measured(String(fn), () => {
            checkProposalTime(ctx);
            return super.aroundTransaction(ctx, fn, parameters);
        });
    }

    /** Set the governing, identity-authority and auditor MSP lists: `{"governingMsps":[],"authorityMsps":[],"auditorMsps":[]}`. */
    @Transaction()
    @Returns('string')
    async SetGovernance(ctx: Context, governanceJson: string): Promise<string> {
        return canonicalJson(await setGovernance(ctx, callerOf(ctx), governanceJson));
    }

    @Transaction(false)
    @Returns('string')
    async GetGovernance(ctx: Context): Promise<string> {
        return canonicalJson(await getGovernance(ctx));
    }

    /** The caller's party id, admin flag, registration state and the key sequence its next proof must sign. */
    @Transaction(false)
    @Returns('string')
    async WhoAmI(ctx: Context): Promise<string> {
        return canonicalJson(await whoAmI(ctx, callerOf(ctx)));
    }

    /** Register (or rotate) the caller's encryption and signing keys; proofs are base64 signatures. */
    @Transaction()
    @Returns('string')
    async RegisterKeys(
        ctx: Context,
        encryptionKeyPem: string,
        encryptionProof: string,
        signingKeyPem: string,
        signingProof: string,
    ): Promise<string> {
        const party = await registerKeys(
            ctx,
            callerOf(ctx),
            encryptionKeyPem,
            encryptionProof,
            signingKeyPem,
            signingProof,
        );
        return canonicalJson(party);
    }

    @Transaction()
    @Returns('string')
    async RevokeKeys(ctx: Context): Promise<string> {
        return canonicalJson(await revokeKeys(ctx, callerOf(ctx)));
    }

    /** The party record, its active keys, and whether it is verified now. */
    @Transaction(false)
    @Returns('string')
    async GetParty(ctx: Context, partyId: string): Promise<string> {
        return canonicalJson(await getParty(ctx, callerOf(ctx), partyId));
    }

    /** Every key the party ever registered; `pageSize` 1..100, `bookmark` "" for the first page. */
    @Transaction(false)
    @Returns('string')
    async ListKeys(ctx: Context, partyId: string, pageSize: string, bookmark: string): Promise<string> {
        return canonicalJson(await listKeys(ctx, partyId, pageSize, bookmark));
    }

    /** `expiresAt` is an ISO 8601 UTC time, or "" for no expiry. */
    @Transaction()
    @Returns('string')
    async RecordVerification(
        ctx: Context,
        partyId: string,
        serial: string,
        level: string,
        expiresAt: string,
    ): Promise<string> {
        return canonicalJson(await recordVerification(ctx, callerOf(ctx), partyId, serial, level, expiresAt));
    }

    @Transaction()
    @Returns('string')
    async RevokeVerification(ctx: Context, partyId: string): Promise<string> {
        return canonicalJson(await revokeVerification(ctx, callerOf(ctx), partyId));
    }

    /** `credentialsJson`: `[{"partyId","keyFingerprint","algorithm","envelope"}]`, the owner's included. */
    @Transaction()
    @Returns('string')
    async ShareFile(
        ctx: Context,
        fileId: string,
        suite: string,
        digestAlgorithm: string,
        ciphertextDigest: string,
        size: string,
        locator: string,
        credentialsJson: string,
    ): Promise<string> {
        const args = { fileId, suite, digestAlgorithm, ciphertextDigest, size, locator, credentials: credentialsJson };
        return canonicalJson(await shareFile(ctx, callerOf(ctx), args));
    }

    /**
     * ShareFile with a signing plan, in one transaction: `planJson` is
     * `{"steps":[["P1"],["P2","P3"]],"deadline":"<ISO 8601 UTC>"|null}`. Returns `{file, contract}`.
     */
    @Transaction()
    @Returns('string')
    async ShareContract(
        ctx: Context,
        fileId: string,
        suite: string,
        digestAlgorithm: string,
        ciphertextDigest: string,
        size: string,
        locator: string,
        credentialsJson: string,
        planJson: string,
    ): Promise<string> {
        const args = { fileId, suite, digestAlgorithm, ciphertextDigest, size, locator, credentials: credentialsJson };
        return canonicalJson(await shareContract(ctx, callerOf(ctx), { ...args, plan: planJson }));
    }

    @Transaction()
    @Returns('string')
    async GrantAccess(ctx: Context, fileId: string, credentialsJson: string): Promise<string> {
        return canonicalJson(await grantAccess(ctx, callerOf(ctx), fileId, credentialsJson));
    }

    @Transaction()
    @Returns('string')
    async RevokeAccess(ctx: Context, fileId: string, partyId: string): Promise<string> {
        return canonicalJson(await revokeAccess(ctx, callerOf(ctx), fileId, partyId));
    }

    @Transaction(false)
    @Returns('string')
    async GetFile(ctx: Context, fileId: string): Promise<string> {
        return canonicalJson(await getFile(ctx, callerOf(ctx), fileId));
    }

    @Transaction(false)
    @Returns('string')
    async GetCredential(ctx: Context, fileId: string): Promise<string> {
        return canonicalJson(await getCredential(ctx, callerOf(ctx), fileId));
    }

    /** `pageSize` 1..100; `bookmark` "" for the first page, then the one returned. */
    @Transaction(false)
    @Returns('string')
    async ListInbox(ctx: Context, pageSize: string, bookmark: string): Promise<string> {
        return canonicalJson(await listIndex(ctx, callerOf(ctx), KEY_TYPES.inbox, pageSize, bookmark));
    }

    @Transaction(false)
    @Returns('string')
    async ListSent(ctx: Context, pageSize: string, bookmark: string): Promise<string> {
        return canonicalJson(await listIndex(ctx, callerOf(ctx), KEY_TYPES.sent, pageSize, bookmark));
    }

    /** `statement`: the signing statement text; `signature`: base64. */
    @Transaction()
    @Returns('string')
    async SignContract(ctx: Context, fileId: string, statement: string, signature: string): Promise<string> {
        return canonicalJson(await signContract(ctx, callerOf(ctx), fileId, statement, signature));
    }

    /** An awaiting signer declines the contract; `reason` 1..500 characters. */
    @Transaction()
    @Returns('string')
    async DeclineContract(ctx: Context, fileId: string, reason: string): Promise<string> {
        return canonicalJson(await declineContract(ctx, callerOf(ctx), fileId, reason));
    }

    /** The owner voids its open contract; `reason` 1..500 characters. */
    @Transaction()
    @Returns('string')
    async VoidContract(ctx: Context, fileId: string, reason: string): Promise<string> {
        return canonicalJson(await voidContract(ctx, callerOf(ctx), fileId, reason));
    }

    /** Record that an open contract's deadline has passed. */
    @Transaction()
    @Returns('string')
    async ExpireContract(ctx: Context, fileId: string): Promise<string> {
        return canonicalJson(await expireContract(ctx, callerOf(ctx), fileId));
    }

    /** The contract with its state in force now. */
    @Transaction(false)
    @Returns('string')
    async GetContract(ctx: Context, fileId: string): Promise<string> {
        return canonicalJson(await getContract(ctx, callerOf(ctx), fileId));
    }

    /** Contracts awaiting the caller's signature; `pageSize` 1..100, `bookmark` "" for the first page. */
    @Transaction(false)
    @Returns('string')
    async ListAwaiting(ctx: Context, pageSize: string, bookmark: string): Promise<string> {
        return canonicalJson(await listAwaiting(ctx, callerOf(ctx), pageSize, bookmark));
    }

    /** Contracts the caller started; `state` "" for all or one recorded state. */
    @Transaction(false)
    @Returns('string')
    async ListStarted(ctx: Context, state: string, pageSize: string, bookmark: string): Promise<string> {
        return canonicalJson(await listStarted(ctx, callerOf(ctx), state, pageSize, bookmark));
    }

    @Transaction(false)
    @Returns('string')
    async GetSignatures(ctx: Context, fileId: string): Promise<string> {
        return canonicalJson(await getSignatures(ctx, callerOf(ctx), fileId));
    }

    /** Every transaction the file's story rests on, oldest first: for evidence bundles (docs/evidence.md). */
    @Transaction(false)
    @Returns('string')
    async GetFileStory(ctx: Context, fileId: string): Promise<string> {
        return canonicalJson(await getFileStory(ctx, callerOf(ctx), fileId));
    }

    /**
     * Auditors: `kind` governance | party | key | file | credential | signature | contract; unused ids are "".
     * Newest first, `pageSize` 1..100 at a time; `bookmark` "" for the first page.
     */
    @Transaction(false)
    @Returns('string')
    async GetHistory(
        ctx: Context,
        kind: string,
        id: string,
        subId: string,
        pageSize: string,
        bookmark: string,
    ): Promise<string> {
        const page = await getHistory(ctx, callerOf(ctx), { kind, id, subId, pageSize, bookmark });
        return canonicalJson(page);
    }
}
