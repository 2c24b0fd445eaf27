// The checks live in @sealpact/protocol/fabric, shared with the browser; the SDK imports them here,
// where node-x509.ts gives them node:crypto.
import './node-x509';

export {
    type DecodedTransaction,
    decodePreparedTransaction,
    decodeProposedTransaction,
    decodeTransaction,
    type Endorsement,
    proposalHashOf,
    transactionIdOf,
    verifyCreator,
    verifyEndorsements,
    type Write,
} from '@sealpact/protocol/fabric';
