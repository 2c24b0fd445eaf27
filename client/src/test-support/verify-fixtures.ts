import { createHash, createPrivateKey, randomBytes, sign, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { common, msp, peer } from '@hyperledger/fabric-protos';
import { DerReader } from '@sealpact/protocol';
import { blockHeaderBytes, DecodedBlock, decodeBlock, findTransaction } from '../verify/blocks';
import { ChannelConfig, readChannelConfig } from '../verify/channel-config';
import { derElement, derUnsigned } from '../verify/der';
import { ProtoMap, protoMap } from '../verify/protobuf';
import { fingerprint, TrustAnchors, trustAnchorsFromDir } from '../verify/trust-anchors';

/**
 * The verifier's test data (client/src/verify/testdata): blocks, transactions and anchors captured
 * from the real network by capture-verify-fixtures.ts, a stranger CA with a peer and an orderer,
 * and the tools to forge with them (low-S signing, protobuf rewrites, byte flips).
 */

export const TESTDATA = join(__dirname, '..', 'verify', 'testdata');
export const NETWORK = join(TESTDATA, 'network');
export const ANCHORS = join(NETWORK, 'anchors');

export interface Manifest {
    channel: string;
    chaincode: string;
    blocks: number[];
    registerKeys: { txId: string; block: number; identity: string; publicKey: string };
    whoAmI: { txId: string };
}

export const manifest = JSON.parse(readFileSync(join(NETWORK, 'manifest.json'), 'utf8')) as Manifest;

export function networkFile(name: string): Buffer {
    return readFileSync(join(NETWORK, name));
}

export function anchors(): TrustAnchors {
    return trustAnchorsFromDir(ANCHORS);
}

export function genesis(): DecodedBlock {
    return decodeBlock(networkFile('block-0.block'));
}

export function blockOne(): DecodedBlock {
    return decodeBlock(networkFile('block-1.header'));
}

/** The captured consecutive blocks, the last holding the RegisterKeys. */
export function chain(): DecodedBlock[] {
    return manifest.blocks.map((number) => decodeBlock(networkFile(`block-${number}.block`)));
}

/** The real channel configuration, as the anchors let the verifier believe it. */
export function channelConfig(): ChannelConfig {
    return readChannelConfig(genesis(), anchors(), blockOne());
}

/** The captured RegisterKeys, decoded from its block. */
export function registerKeys() {
    const block = chain().find((candidate) => candidate.number === manifest.registerKeys.block);
    if (block === undefined) {
        throw new Error('the RegisterKeys block is not in the test data');
    }
    return { block, ...findTransaction(block, manifest.registerKeys.txId) };
}

/** A stranger's node: its certificate (PEM) and private key, from testdata/stranger. */
export interface Stranger {
    certificate: string;
    key: string;
}

export function stranger(name: string): Stranger {
    const read = (ext: string) => readFileSync(join(TESTDATA, 'stranger', `${name}.${ext}`), 'utf8');
    return { certificate: read('pem'), key: read('key') };
}

export const STRANGER_CA = readFileSync(join(TESTDATA, 'stranger', 'ca.pem'), 'utf8');
export const STRANGER_CA_FINGERPRINT = fingerprint(new X509Certificate(STRANGER_CA));
export const strangerPeer = stranger('peer');
export const strangerOrderer = stranger('orderer');

/** The order n of P-256. */
export const P256_N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;

/** (r, s) of a DER ECDSA signature. */
export function rs(signature: Uint8Array): [bigint, bigint] {
    const sequence = new DerReader(signature, 'BAD_SIGNATURE', 'a test signature').sequence();
    return [sequence.integer(), sequence.integer()];
}

export function derSignature(r: bigint, s: bigint): Buffer {
    return Buffer.from(derElement(0x30, Buffer.concat([derUnsigned(r), derUnsigned(s)])));
}

/** The other valid signature of the same message: (r, n − s). */
export function highSTwin(signature: Uint8Array): Buffer {
    const [r, s] = rs(signature);
    return derSignature(r, P256_N - s);
}

/** An ECDSA P-256 / SHA-256 signature by `signer`, low-S as Fabric signs. */
export function signLowS(signer: Stranger, data: Uint8Array): Buffer {
    const [r, s] = rs(sign('sha256', data, createPrivateKey(signer.key)));
    return derSignature(r, s > P256_N / 2n ? P256_N - s : s);
}

/** A copy of `bytes` with one bit flipped at `at` (default: the middle). */
export function flip(bytes: Uint8Array, at = Math.floor(bytes.length / 2)): Buffer {
    const copy = Buffer.from(bytes);
    copy[at] = (copy[at] ?? 0) ^ 0x01;
    return copy;
}

export function serializedIdentity(mspId: string, certificate: string): Buffer {
    const identity = new msp.SerializedIdentity();
    identity.setMspid(mspId);
    identity.setIdBytes(Buffer.from(certificate));
    return Buffer.from(identity.serializeBinary());
}

/**
 * The genesis block with its configuration rewritten by `edit` (over the channel group), its data
 * hash recomputed, and signed by `signer` as an orderer of `ordererMspId` (or left unsigned).
 */
export function forgeConfigBlock(
    edit: (channelGroup: common.ConfigGroup) => void,
    signer?: { node: Stranger; mspId: string },
): Uint8Array {
    const block = common.Block.deserializeBinary(networkFile('block-0.block'));
    const envelope = common.Envelope.deserializeBinary(block.getData()?.getDataList_asU8()[0] ?? new Uint8Array());
    const payload = common.Payload.deserializeBinary(envelope.getPayload_asU8());
    const configEnvelope = common.ConfigEnvelope.deserializeBinary(payload.getData_asU8());
    const channelGroup = configEnvelope.getConfig()?.getChannelGroup();
    if (channelGroup === undefined) {
        throw new Error('the genesis block has no channel group');
    }
    edit(channelGroup);
    payload.setData(configEnvelope.serializeBinary());
    envelope.setPayload(payload.serializeBinary());
    const envelopeBytes = envelope.serializeBinary();
    const data = new common.BlockData();
    data.setDataList([envelopeBytes]);
    block.setData(data);
    block.getHeader()?.setDataHash(createHash('sha256').update(envelopeBytes).digest());
    if (signer !== undefined) {
        signBlock(block, signer.node, signer.mspId);
    }
    return block.serializeBinary();
}

/** The real anchors with these MSPs pinned to the stranger CA instead. */
export function anchorsWithStranger(...mspIds: string[]): TrustAnchors {
    return new Map(
        [...anchors()].map(([mspId, roots]) => [
            mspId,
            mspIds.includes(mspId) ? new Set([STRANGER_CA_FINGERPRINT]) : roots,
        ]),
    );
}

/** The genesis configuration rewritten by `edit`, and signed by the stranger orderer as OrdererMSP. */
export function strangerSigned(edit: (channelGroup: common.ConfigGroup) => void): DecodedBlock {
    return decodeBlock(forgeConfigBlock(edit, { node: strangerOrderer, mspId: 'OrdererMSP' }));
}

/**
 * A configuration the stranger CA holds Org1MSP and OrdererMSP in, further rewritten by `edit`,
 * believed with anchors that pin the stranger for both.
 */
export function strangerConfig(edit: (channelGroup: common.ConfigGroup) => void = () => undefined): ChannelConfig {
    const block = strangerSigned((group) => {
        replaceRootCa(group, 'Orderer', 'OrdererOrg', STRANGER_CA);
        replaceRootCa(group, 'Application', 'Org1', STRANGER_CA);
        edit(group);
    });
    return readChannelConfig(block, anchorsWithStranger('Org1MSP', 'OrdererMSP'));
}

/** Replace the orderer signatures of `block` by one of `node` as a member of `mspId`. */
export function signBlock(block: common.Block, node: Stranger, mspId: string): void {
    const metadata = block.getMetadata()?.getMetadataList_asU8() ?? [];
    const signatures = common.Metadata.deserializeBinary(metadata[0] ?? new Uint8Array());
    const header = new common.SignatureHeader();
    header.setCreator(serializedIdentity(mspId, node.certificate));
    header.setNonce(randomBytes(24));
    const headerBytes = header.serializeBinary();
    const decoded = decodeBlock(block.serializeBinary());
    const signature = new common.MetadataSignature();
    signature.setSignatureHeader(headerBytes);
    signature.setSignature(
        signLowS(node, Buffer.concat([decoded.signatureMetadata, headerBytes, blockHeaderBytes(decoded)])),
    );
    signatures.setSignaturesList([signature]);
    block.getMetadata()?.setMetadataList([signatures.serializeBinary(), ...metadata.slice(1)]);
}

/** The group at `path` under the channel group (['Application', 'Org1']). */
export function configGroup(channelGroup: common.ConfigGroup, path: string[]): common.ConfigGroup {
    return path.reduce((group, name) => entry(protoMap<common.ConfigGroup>(group.getGroupsMap()), name), channelGroup);
}

/** Rewrite organisation `org`'s MSP configuration in a channel group. */
export function editMsp(
    channelGroup: common.ConfigGroup,
    path: [group: 'Application' | 'Orderer', org: string],
    edit: (fabric: msp.FabricMSPConfig, config: msp.MSPConfig) => void,
): void {
    const value = entry(protoMap<common.ConfigValue>(configGroup(channelGroup, path).getValuesMap()), 'MSP');
    const mspConfig = msp.MSPConfig.deserializeBinary(value.getValue_asU8());
    const fabric = msp.FabricMSPConfig.deserializeBinary(mspConfig.getConfig_asU8());
    edit(fabric, mspConfig);
    mspConfig.setConfig(fabric.serializeBinary());
    value.setValue(mspConfig.serializeBinary());
}

/** Replace organisation `org`'s root CAs (and node OU CAs) by `pem` in a channel group. */
export function replaceRootCa(
    channelGroup: common.ConfigGroup,
    group: 'Application' | 'Orderer',
    org: string,
    pem: string,
): void {
    editMsp(channelGroup, [group, org], (fabric) => {
        fabric.setRootCertsList([Buffer.from(pem)]);
        const nodeOUs = fabric.getFabricNodeOus();
        for (const identifier of [
            nodeOUs?.getClientOuIdentifier(),
            nodeOUs?.getPeerOuIdentifier(),
            nodeOUs?.getAdminOuIdentifier(),
            nodeOUs?.getOrdererOuIdentifier(),
        ]) {
            identifier?.setCertificate(Buffer.from(pem));
        }
    });
}

/** Rewrite the policy `name` of the group at `path` in a channel group. */
export function editPolicy(
    channelGroup: common.ConfigGroup,
    path: string[],
    name: string,
    edit: (policy: common.Policy) => void,
): void {
    const policies = protoMap<common.ConfigPolicy>(configGroup(channelGroup, path).getPoliciesMap());
    const policy = entry(policies, name).getPolicy();
    if (policy === undefined) {
        throw new Error(`the test data has no policy in ${name}`);
    }
    edit(policy);
}

/** Set the Application group's Endorsement ImplicitMetaPolicy rule. */
export function setEndorsementRule(channelGroup: common.ConfigGroup, rule: 0 | 1 | 2): void {
    editPolicy(channelGroup, ['Application'], 'Endorsement', (policy) => {
        const meta = common.ImplicitMetaPolicy.deserializeBinary(policy.getValue_asU8());
        meta.setRule(rule);
        policy.setValue(meta.serializeBinary());
    });
}

/** The envelope with its endorser transaction rewritten by `edit` (signature and endorsements left as they were). */
export function rewriteTransaction(
    envelopeBytes: Uint8Array,
    edit: (transaction: peer.Transaction) => void,
): Uint8Array {
    const envelope = common.Envelope.deserializeBinary(envelopeBytes);
    const payload = common.Payload.deserializeBinary(envelope.getPayload_asU8());
    const transaction = peer.Transaction.deserializeBinary(payload.getData_asU8());
    edit(transaction);
    payload.setData(transaction.serializeBinary());
    envelope.setPayload(payload.serializeBinary());
    return envelope.serializeBinary();
}

/** The envelope with its chaincode invocation arguments rewritten by `edit`. */
export function rewriteArguments(envelopeBytes: Uint8Array, edit: (args: Uint8Array[]) => Uint8Array[]): Uint8Array {
    return rewriteTransaction(envelopeBytes, (transaction) => {
        const action = transaction.getActionsList()[0];
        if (action === undefined) {
            throw new Error('no action');
        }
        const actionPayload = peer.ChaincodeActionPayload.deserializeBinary(action.getPayload_asU8());
        const proposalPayload = peer.ChaincodeProposalPayload.deserializeBinary(
            actionPayload.getChaincodeProposalPayload_asU8(),
        );
        const invocation = peer.ChaincodeInvocationSpec.deserializeBinary(proposalPayload.getInput_asU8());
        const input = invocation.getChaincodeSpec()?.getInput();
        input?.setArgsList(edit(input.getArgsList_asU8()));
        proposalPayload.setInput(invocation.serializeBinary());
        actionPayload.setChaincodeProposalPayload(proposalPayload.serializeBinary());
        action.setPayload(actionPayload.serializeBinary());
    });
}

/** The entry `key` of a google-protobuf map field, which must be there. */
function entry<V>(map: ProtoMap<V>, key: string): V {
    const value = map.get(key);
    if (value === undefined) {
        throw new Error(`the test data has no ${key}`);
    }
    return value;
}
