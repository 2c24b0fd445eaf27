/**
 * The evidence bundle container: a ZIP holding manifest.json and the members it lists with their
 * SHA-256 (config/<n>.block, blocks/<n>.block, headers/<n>.block, anchors/<MSP id>.pem,
 * certificate.pdf). Writing is deterministic, so the same evidence gives the same bytes; reading
 * refuses any bundle whose members are not exactly the ones its manifest lists, unchanged.
 */
import { createHash } from 'node:crypto';
import { unzipSync, UnzipFileInfo, Unzipped, zipSync, Zippable } from 'fflate';
import { bytesToHex, canonicalJson, EvidenceError, SealpactError } from '@sealpact/protocol';
import { EvidenceManifest, isMemberName, MANIFEST_MEMBER, parseManifest, quoteName } from './manifest';

/** Bounds checked from the ZIP's directory before anything is inflated, against zip bombs. */
export const MAX_MEMBER_SIZE = 64 * 1024 * 1024;
export const MAX_BUNDLE_SIZE = 256 * 1024 * 1024;

/**
 * The time every member carries. fflate writes DOS times from local-time getters, so the date is
 * built in local time: 1980-01-01 00:00 in the archive whatever the time zone.
 */
const MEMBER_TIME = new Date(1980, 0, 1);

export interface Bundle {
    manifest: EvidenceManifest;
    /** Every member but manifest.json, by name, in name order. */
    members: Map<string, Uint8Array>;
}

/**
 * The bundle of `manifest` and `members` (every member but manifest.json): the manifest gets the
 * members' digests, and the ZIP its members in name order, all dated 1980-01-01, deflated.
 */
export function writeBundle(
    manifest: Omit<EvidenceManifest, 'members'>,
    members: ReadonlyMap<string, Uint8Array>,
): Uint8Array {
    const sorted = [...members].sort(byName);
    const digests: Record<string, string> = {};
    for (const [name, bytes] of sorted) {
        if (!isMemberName(name)) {
            throw new EvidenceError('BAD_BUNDLE', `member ${quoteName(name)} is not an allowed member name`);
        }
        digests[name] = sha256Hex(bytes);
    }
    const manifestBytes = new TextEncoder().encode(canonicalJson({ ...manifest, members: digests }));
    // What is written must read back: this catches a field the exporter filled wrongly, here.
    parseManifest(manifestBytes);
    const files: Zippable = {};
    for (const [name, bytes] of [[MANIFEST_MEMBER, manifestBytes] as const, ...sorted].sort(byName)) {
        files[name] = [bytes, { level: 6, mtime: MEMBER_TIME }];
    }
    return zipSync(files);
}

/**
 * Read a bundle: a ZIP whose member names are all allowed and distinct, within the size bounds,
 * with a valid manifest.json listing exactly the other members, each with its SHA-256.
 */
export function readBundle(bytes: Uint8Array): Bundle {
    const entries = unzipMembers(bytes);
    const manifestBytes = entries.get(MANIFEST_MEMBER);
    if (manifestBytes === undefined) {
        throw new EvidenceError('BAD_BUNDLE', `the bundle has no ${MANIFEST_MEMBER}`);
    }
    const manifest = parseManifest(manifestBytes);
    for (const name of entries.keys()) {
        if (name !== MANIFEST_MEMBER && !Object.hasOwn(manifest.members, name)) {
            throw new EvidenceError('BAD_BUNDLE', `member ${name} is not listed in ${MANIFEST_MEMBER}`);
        }
    }
    const members = new Map<string, Uint8Array>();
    for (const [name, digest] of Object.entries(manifest.members).sort(byName)) {
        const content = entries.get(name);
        if (content === undefined) {
            throw new EvidenceError('BAD_BUNDLE', `member ${name} is listed in ${MANIFEST_MEMBER} but absent`);
        }
        if (sha256Hex(content) !== digest) {
            throw new EvidenceError('BAD_BUNDLE', `member ${name} does not match its SHA-256 in ${MANIFEST_MEMBER}`);
        }
        members.set(name, content);
    }
    return { manifest, members };
}

/** The ZIP's members by name, each name checked, and each size checked before it is inflated. */
function unzipMembers(bytes: Uint8Array): Map<string, Uint8Array> {
    const seen = new Set<string>();
    let total = 0;
    const filter = (file: UnzipFileInfo): boolean => {
        const name = file.name;
        if (name !== MANIFEST_MEMBER && !isMemberName(name)) {
            throw new EvidenceError('BAD_BUNDLE', `member ${quoteName(name)} is not an allowed member name`);
        }
        if (seen.has(name)) {
            throw new EvidenceError('BAD_BUNDLE', `member ${name} appears more than once`);
        }
        seen.add(name);
        // A stored member is copied at its compressed size, a deflated one inflated to its original size.
        const size = Math.max(file.size, file.originalSize);
        if (size > MAX_MEMBER_SIZE) {
            throw new EvidenceError('BAD_BUNDLE', `member ${name} is larger than ${MAX_MEMBER_SIZE} bytes`);
        }
        total += size;
        if (total > MAX_BUNDLE_SIZE) {
            throw new EvidenceError('BAD_BUNDLE', `the bundle's members add up to more than ${MAX_BUNDLE_SIZE} bytes`);
        }
        return true;
    };
    let files: Unzipped;
    try {
        files = unzipSync(bytes, { filter });
    } catch (err) {
        if (err instanceof SealpactError) {
            throw err;
        }
        throw new EvidenceError('BAD_BUNDLE', 'the bundle is not a readable ZIP archive');
    }
    return new Map(Object.entries(files));
}

/** Order of [name, value] pairs by name (code units: names are ASCII). */
function byName([a]: readonly [string, unknown], [b]: readonly [string, unknown]): number {
    return a < b ? -1 : a > b ? 1 : 0;
}

function sha256Hex(bytes: Uint8Array): string {
    return bytesToHex(createHash('sha256').update(bytes).digest());
}
