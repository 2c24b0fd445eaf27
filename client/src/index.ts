/** The Sealpact client SDK: docs/sdk.md. */
export {
    SealpactError,
    ChaincodeError,
    ClientError,
    CryptoError,
    LedgerError,
    StoreError,
    UsageError,
    isSealpactError,
    ERROR_CODES,
    type ErrorCode,
    type ContractEvent,
    type ContractIndexEntry,
    type ContractRecord,
    type ContractState,
    type ContractView,
    type PlanSigner,
    type SignerState,
    PLAN_LIMITS,
    planHash,
    planOf,
} from '@sealpact/protocol';
export { connect, type ConnectOptions } from './sdk/connect';
export { Sealpact } from './sdk/sealpact';
export { type AuditEntry } from '@sealpact/protocol';
export { type ContractNotice, type ContractNoticeKind, type InboxEvent, type ShareNotice } from './sdk/watch';
export { type Transition } from './sdk/lifecycle';
export { type PartyView, type WhoAmI } from '@sealpact/protocol';
export { type ReceiveResult } from './sdk/receive';
export { type SendOptions } from './sdk/send';
export { type SendResult } from './sdk/record-share';
export { Keyring } from './sdk/keyring';
export {
    LedgerConnection,
    type ChaincodeEvents,
    type Committed,
    type Deadlines,
    type Ledger,
    type LedgerOptions,
    type Submitted,
} from './sdk/ledger';
export { CommitClock } from './sdk/commit-clock';
export { CommitFailedError, CommitUnknownError } from './sdk/ledger-errors';
export { removeUnfinishedFilesSync } from './atomic-file';
export { loadProfile, type ConnectionProfile } from './sdk/profile';
export { openStore, type BlobStore } from './store';
export { generateKeyPair, loadPrivateKey, exportPrivateKeyPem, type PrivateKeyInfo } from './crypto/keys';
export { sealEnvelope, openEnvelope } from './crypto/envelope';
export { signDetached, verifyDetached, signStream, verifyStream } from './crypto/signature';
export { encryptFile, decryptFile, decryptToFile } from './crypto/filecipher';
export { createEncryptStream, createDecryptStream } from './crypto/stream';
export { generateFilePassword, drawingDigest } from './crypto/password';
export { parseDrawing, type Drawing } from '@sealpact/protocol';
