import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { caFingerprintsOfPem, TrustAnchors } from '@sealpact/protocol/fabric';
import { EvidenceError } from '@sealpact/protocol';
import './node-x509';

// What reads files stays here; the rest is shared with the browser in @sealpact/protocol/fabric.
export {
    anchorPems,
    caFingerprintsOfPem,
    fingerprint,
    type TrustAnchors,
    trustAnchorsFromConfig,
    trustAnchorsFromFingerprints,
} from '@sealpact/protocol/fabric';

/**
 * Trust anchors from a folder holding one `<MSPID>.pem` per organisation, each with one or more CA
 * certificates (other files are ignored). BAD_TRUST_ANCHORS for a missing folder, one without such
 * files, or a file holding anything but CA certificates.
 */
export function trustAnchorsFromDir(dir: string): TrustAnchors {
    let names: string[];
    try {
        names = readdirSync(dir).filter((name) => name.endsWith('.pem'));
    } catch {
        throw new EvidenceError('BAD_TRUST_ANCHORS', `the trust anchor folder ${dir} cannot be read`);
    }
    if (names.length === 0) {
        throw new EvidenceError('BAD_TRUST_ANCHORS', `the trust anchor folder ${dir} holds no <MSPID>.pem file`);
    }
    return new Map(
        names.map((name) => [name.slice(0, -'.pem'.length), caFingerprints(join(dir, name), name)] as const),
    );
}

function caFingerprints(path: string, name: string): Set<string> {
    let text: string;
    try {
        text = readFileSync(path, 'utf8');
    } catch {
        throw new EvidenceError('BAD_TRUST_ANCHORS', `the trust anchor ${path} cannot be read`);
    }
    return caFingerprintsOfPem(text, name);
}
