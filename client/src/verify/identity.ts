// The checks live in @sealpact/protocol/fabric, shared with the browser; the SDK imports them here,
// where node-x509.ts gives them node:crypto.
import './node-x509';

export {
    decodeIdentity,
    describeIdentity,
    type Identity,
    identityProblem,
    NODE_ROLES,
    nodeRole,
    type Role,
    signerProblem,
} from '@sealpact/protocol/fabric';
