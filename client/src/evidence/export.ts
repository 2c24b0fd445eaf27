import { EvidenceError, FileStory, WhoAmI } from '@sealpact/protocol';
import { LedgerConnection } from '../sdk/ledger';
import { ChannelBlocks } from '../sdk/verified-read';
import { ChannelConfig } from '../verify/channel-config';
import { DecodedBlock, decodeBlock, findTransaction, headerOnly } from '../verify/blocks';
import { anchorPems, trustAnchorsFromConfig } from '../verify/trust-anchors';
import { writeBundle } from './bundle';
import { certificatePdf } from './certificate';
import { StoryStep, storyFacts } from './facts';
import { EVIDENCE_FORMAT, EvidenceManifest } from './manifest';
import { STORY_ATTESTATION, verifyEvidence } from './verify-bundle';

/** What gathering evidence needs from a connection (LedgerConnection is one). */
export interface EvidenceSource {
    readonly profile: Pick<LedgerConnection['profile'], 'channel' | 'chaincode'>;
    readonly blocks: Pick<ChannelBlocks, 'block' | 'blockOf' | 'successorOf'>;
    trustedConfig(): Promise<ChannelConfig>;
    readEndorsed(transaction: string, ...args: string[]): Promise<{ value: unknown; envelope: Uint8Array }>;
    query<T>(transaction: string, ...args: string[]): Promise<T>;
}

/**
 * Gather a file's evidence bundle through `ledger` (docs/evidence.md): the story's transactions
 * (GetFileStory, a verified read whose endorsed answer the bundle keeps as story.endorsed), the
 * whole block of each, the header of every block between them, the configuration blocks in force,
 * the trust anchors and a certificate of completion. The bundle is checked as `evidence verify` would check it before it is returned, so
 * an exporter never hands over evidence that does not hold.
 */
export async function exportEvidence(
    ledger: EvidenceSource,
    fileId: string,
    exportedAt = new Date(),
): Promise<{ bundle: Uint8Array; manifest: EvidenceManifest }> {
    const config = await ledger.trustedConfig();
    // The story as a majority attests it now; the bundle keeps that endorsed answer (story.endorsed).
    const attested = await ledger.readEndorsed('GetFileStory', fileId);
    const story = attested.value as FileStory;
    const { steps, blocks } = await storySteps(ledger, story);
    const members = await chainMembers(ledger, blocks, config.blockNumber);
    members.set(STORY_ATTESTATION, attested.envelope);
    for (const [mspId, pem] of Object.entries(anchorPems(config))) {
        members.set(`anchors/${mspId}.pem`, Buffer.from(pem, 'utf8'));
    }
    const anchors = trustAnchorsFromConfig(config);
    const numbers = [...blocks.keys()].sort((a, b) => a - b);
    const { partyId } = await ledger.query<WhoAmI>('WhoAmI');
    const manifest: Omit<EvidenceManifest, 'members'> = {
        format: EVIDENCE_FORMAT,
        channel: ledger.profile.channel,
        chaincode: ledger.profile.chaincode,
        fileId: story.fileId,
        exportedAt: exportedAt.toISOString(),
        exportedBy: partyId,
        trustAnchors: Object.fromEntries(
            [...anchors].map(([mspId, fingerprints]) => [mspId, [...fingerprints].sort()]),
        ),
        configBlocks: configNumbers(blocks, config.blockNumber),
        blocks: numbers,
        headers: { from: numbers[0] ?? 0, to: numbers.at(-1) ?? 0 },
        transactions: steps.map(({ entry, block, index, tx }) => ({ ...entry, block, index, function: tx.function })),
        facts: storyFacts(story.fileId, ledger.profile.chaincode, ledger.profile.channel, steps),
    };
    members.set('certificate.pdf', await certificatePdf(manifest));
    const bundle = writeBundle(manifest, members);
    const checked = await verifyEvidence(bundle, { anchors });
    if (!checked.ok) {
        const failed = checked.checks.find((check) => !check.ok);
        throw failed?.error ?? new EvidenceError('STORY_INCONSISTENT', `the evidence of ${fileId} does not verify`);
    }
    return { bundle, manifest: checked.manifest };
}

/** Each transaction of the story with the block it is in (each block fetched once, whole). */
async function storySteps(
    ledger: EvidenceSource,
    story: FileStory,
): Promise<{ steps: StoryStep[]; blocks: Map<number, DecodedBlock> }> {
    const blocks = new Map<number, DecodedBlock>();
    const blockOfTx = new Map<string, DecodedBlock>();
    const steps: StoryStep[] = [];
    for (const entry of story.transactions) {
        let block = blockOfTx.get(entry.txId);
        if (block === undefined) {
            block = decodeBlock(await ledger.blocks.blockOf(entry.txId));
            blocks.set(block.number, block);
            blockOfTx.set(entry.txId, block);
        }
        const { index, transaction } = findTransaction(block, entry.txId);
        steps.push({ entry, block: block.number, index, tx: transaction });
    }
    return { steps, blocks };
}

/** The configuration blocks in force for the story's blocks, and the one in force now (for story.endorsed). */
function configNumbers(blocks: Map<number, DecodedBlock>, configNow: number): number[] {
    return [...new Set([...[...blocks.values()].map((block) => block.lastConfig), configNow])].sort((a, b) => a - b);
}

/**
 * The members that prove the story's blocks: each block whole, the header of every block between
 * them, each configuration block in force, and block 1's header when that is the unsigned genesis
 * block (it is believed through block 1, see ChannelBlocks.successorOf).
 */
async function chainMembers(
    ledger: EvidenceSource,
    blocks: Map<number, DecodedBlock>,
    configNow: number,
): Promise<Map<string, Uint8Array>> {
    const members = new Map<string, Uint8Array>();
    const numbers = [...blocks.keys()].sort((a, b) => a - b);
    for (const block of blocks.values()) {
        members.set(`blocks/${block.number}.block`, block.raw);
    }
    for (let number = numbers[0] ?? 0; number <= (numbers.at(-1) ?? -1); number++) {
        if (!blocks.has(number)) {
            members.set(`headers/${number}.block`, headerOnly(decodeBlock(await ledger.blocks.block(number))));
        }
    }
    for (const number of configNumbers(blocks, configNow)) {
        const configBlock = await ledger.blocks.block(number);
        members.set(`config/${number}.block`, configBlock);
        const successor = await ledger.blocks.successorOf(decodeBlock(configBlock));
        if (successor !== undefined && !members.has(`blocks/${successor.number}.block`)) {
            members.set(`headers/${successor.number}.block`, headerOnly(successor));
        }
    }
    return members;
}
