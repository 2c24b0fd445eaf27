import type { getHistory } from '../audit';
import type { getCredential, getFile, grantAccess, listIndex, revokeAccess, shareFile } from '../files';
import type { getGovernance, setGovernance } from '../governance';
import type {
    declineContract,
    expireContract,
    getContract,
    listAwaiting,
    listStarted,
    shareContract,
    voidContract,
} from '../lifecycle';
import type {
    getParty,
    listKeys,
    recordVerification,
    registerKeys,
    revokeKeys,
    revokeVerification,
    whoAmI,
} from '../registry';
import type { getSignatures, signContract } from '../signatures';
import type { getFileStory } from '../story';
import { IdentityName } from './fixtures';
import { Ledger } from './ledger';

type AnswerOf<F extends (...args: never[]) => Promise<unknown>> = Awaited<ReturnType<F>>;

/**
 * What each transaction of the contract answers, as canonical JSON: the result of the function
 * behind it (contract.ts), so a test reads an answer with the types the chaincode itself uses.
 */
export interface Answers {
    SetGovernance: AnswerOf<typeof setGovernance>;
    GetGovernance: AnswerOf<typeof getGovernance>;
    WhoAmI: AnswerOf<typeof whoAmI>;
    RegisterKeys: AnswerOf<typeof registerKeys>;
    RevokeKeys: AnswerOf<typeof revokeKeys>;
    GetParty: AnswerOf<typeof getParty>;
    ListKeys: AnswerOf<typeof listKeys>;
    RecordVerification: AnswerOf<typeof recordVerification>;
    RevokeVerification: AnswerOf<typeof revokeVerification>;
    ShareFile: AnswerOf<typeof shareFile>;
    ShareContract: AnswerOf<typeof shareContract>;
    GrantAccess: AnswerOf<typeof grantAccess>;
    RevokeAccess: AnswerOf<typeof revokeAccess>;
    GetFile: AnswerOf<typeof getFile>;
    GetCredential: AnswerOf<typeof getCredential>;
    ListInbox: AnswerOf<typeof listIndex>;
    ListSent: AnswerOf<typeof listIndex>;
    SignContract: AnswerOf<typeof signContract>;
    DeclineContract: AnswerOf<typeof declineContract>;
    VoidContract: AnswerOf<typeof voidContract>;
    ExpireContract: AnswerOf<typeof expireContract>;
    GetContract: AnswerOf<typeof getContract>;
    ListAwaiting: AnswerOf<typeof listAwaiting>;
    ListStarted: AnswerOf<typeof listStarted>;
    GetSignatures: AnswerOf<typeof getSignatures>;
    GetHistory: AnswerOf<typeof getHistory>;
    GetFileStory: AnswerOf<typeof getFileStory>;
}

/** Evaluate `transaction` as `who` and read its answer. */
export async function evaluateJson<T extends keyof Answers>(
    ledger: Ledger,
    who: IdentityName,
    transaction: T,
    ...args: string[]
): Promise<Answers[T]> {
    return JSON.parse(await ledger.evaluate(who, transaction, ...args)) as Answers[T];
}

/** Submit `transaction` as `who` and read its answer once committed. */
export async function submitJson<T extends keyof Answers>(
    ledger: Ledger,
    who: IdentityName,
    transaction: T,
    ...args: string[]
): Promise<Answers[T]> {
    return JSON.parse((await ledger.submit(who, transaction, ...args)).payload) as Answers[T];
}
