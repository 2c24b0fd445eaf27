import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FileStory } from '@sealpact/protocol';
import { decodeTransaction } from '../verify/transactions';
import { DecodedBlock, decodeBlock, findTransaction } from '../verify/blocks';
import { readChannelConfig } from '../verify/channel-config';
import { trustAnchorsFromDir } from '../verify/trust-anchors';
import { readBundle } from './bundle';
import { EvidenceSource, exportEvidence } from './export';
import { STORY_ATTESTATION } from './verify-bundle';

/**
 * exportEvidence against a ledger that serves exactly what a real bundle holds (its blocks, the
 * endorsed story, the configuration): exporting again gives the same bytes, and a story a peer
 * forged is not handed over. The bundle comes from the network (client/src/evidence/testdata).
 */

const TESTDATA = join(__dirname, 'testdata');
const ORIGINAL = readFileSync(join(TESTDATA, 'sm2.bundle'));
const { manifest, members } = readBundle(ORIGINAL);
const anchors = trustAnchorsFromDir(join(TESTDATA, 'anchors'));

function memberOf(name: string): Uint8Array {
    const bytes = members.get(name);
    if (bytes === undefined) throw new Error(`the bundle has no ${name}`);
    return bytes;
}

/** The block `number` as the bundle holds it: whole, as a header, or the configuration block. */
function blockBytes(number: number): Uint8Array {
    return (
        members.get(`blocks/${number}.block`) ??
        members.get(`headers/${number}.block`) ??
        memberOf(`config/${number}.block`)
    );
}

/** A ledger serving the bundle's contents; `story` replaces the endorsed story's answer when given. */
function ledgerOfBundle(story?: (answer: FileStory) => FileStory): EvidenceSource {
    const endorsed = memberOf(STORY_ATTESTATION);
    const answer = JSON.parse(Buffer.from(decodeTransaction(endorsed).response.payload).toString('utf8')) as FileStory;
    const successorOf = (block: DecodedBlock) =>
        Promise.resolve(block.number === 0 && block.signatures.length === 0 ? decodeBlock(blockBytes(1)) : undefined);
    return {
        profile: { channel: manifest.channel, chaincode: manifest.chaincode },
        blocks: {
            block: (number) => Promise.resolve(blockBytes(number)),
            blockOf: (txId) => {
                const block = manifest.blocks
                    .map((n) => decodeBlock(blockBytes(n)))
                    .find((candidate) => {
                        try {
                            findTransaction(candidate, txId);
                            return true;
                        } catch {
                            return false;
                        }
                    });
                return block === undefined
                    ? Promise.reject(new Error(`no block holds ${txId}`))
                    : Promise.resolve(block.raw);
            },
            successorOf,
        },
        trustedConfig: async () => {
            const config = decodeBlock(memberOf('config/0.block'));
            return readChannelConfig(config, anchors, await successorOf(config));
        },
        readEndorsed: () => Promise.resolve({ value: story ? story(answer) : answer, envelope: endorsed }),
        query: <T>() => Promise.resolve({ partyId: manifest.exportedBy } as T),
    };
}

describe('exportEvidence', () => {
    it('gathers the same bundle, byte for byte, from the same ledger at the same time', async () => {
        const { bundle, manifest: exported } = await exportEvidence(
            ledgerOfBundle(),
            manifest.fileId,
            new Date(manifest.exportedAt),
        );
        expect(exported).toEqual(manifest);
        expect(Buffer.from(bundle).equals(ORIGINAL)).toBe(true);
    });

    it('does not hand over evidence that does not verify: a story the peer answered differently', async () => {
        // The story answer is the peer's; the endorsed envelope kept in the bundle says otherwise.
        const forged = ledgerOfBundle((answer) => ({
            ...answer,
            transactions: answer.transactions.filter((entry) => entry.role !== 'verification'),
        }));
        await expect(exportEvidence(forged, manifest.fileId, new Date(manifest.exportedAt))).rejects.toThrow(
            /^CONTENT_MISMATCH: the attested story lists \d+ transactions, manifest\.json \d+/,
        );
    });
});
