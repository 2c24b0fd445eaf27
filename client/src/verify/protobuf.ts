// The checks live in @sealpact/protocol/fabric, shared with the browser; the SDK imports them here,
// where node-x509.ts gives them node:crypto.
import './node-x509';

export { decode, isoTime, protoMap, type ProtoMap, required } from '@sealpact/protocol/fabric';
