// The checks live in @sealpact/protocol/fabric, shared with the browser; the SDK imports them here,
// where node-x509.ts gives them node:crypto.
import './node-x509';

export {
    type ChannelConfig,
    describeEndorsementPolicy,
    type EndorsementPolicy,
    type MspInfo,
    type OuIdentifier,
    type Principal,
    readChannelConfig,
    satisfiesEndorsementPolicy,
    type SignaturePolicy,
    type SignatureRule,
    threshold,
} from '@sealpact/protocol/fabric';
