// ShareFile's arguments for the Caliper workloads, prepared with the Sealpact SDK (client/dist) as
// bench:e2e prepares its own: fresh SM2 keys for the submitters and bob, bob verified by the
// identity authority, one real 1 KB upload whose locator, size and digest every ShareFile reuses,
// and each submitter's credentials (bob's and its own) sealed once. The upload is shared with bob
// and dave too, so that both submitters (alice owns it) may read it with GetFile; dave is verified
// for that.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import client from '../../client/dist/index.js';

const { connect, generateKeyPair, sealEnvelope } = client;
const VERIFIER = 'AuthorityOrgMSP/verifier@authority.example.com';
const RECIPIENT = 'Org2MSP/bob@org2.example.com';

/**
 * Prepares the arguments on the ledger and writes them to `file`: `{suite, digestAlgorithm,
 * ciphertextDigest, size, locator, credentials: {<Caliper identity>: credentialsJson}, readFileId}`.
 * `submitters` are SDK identity names ("MSPID/user"), `identities` their Caliper names; `workDir`
 * holds the blob store and keyrings (the caller removes it).
 */
export async function writeShareFileArgs({ profilePath, submitters, identities, run, workDir, file }) {
    const passphrase = randomBytes(16).toString('hex');
    const session = (identity, i) =>
        connect({
            profile: profilePath,
            identity,
            store: `fs://${path.join(workDir, 'blobs')}`,
            keyring: { dir: path.join(workDir, 'keyrings', String(i)), passphrase },
        });
    const parties = await Promise.all([VERIFIER, RECIPIENT, ...submitters].map(session));
    try {
        const [verifier, bob, owner, ...others] = parties;
        const keyed = [bob, owner, ...others];
        const keys = keyed.map(() => generateKeyPair('sm2'));
        await Promise.all(keyed.map((party, i) => party.registerKeys(keys[i], generateKeyPair('sm2'))));
        const [bobId, ...submitterIds] = await Promise.all(keyed.map(async (party) => (await party.whoAmI()).partyId));
        for (const [i, partyId] of [bobId, ...submitterIds.slice(1)].entries()) {
            await verifier.recordVerification(partyId, { serial: `caliper-${run}-${i}`, level: 'high' });
        }

        const input = path.join(workDir, 'input-1KB');
        fs.writeFileSync(input, randomBytes(1024));
        const upload = await owner.send(input, {
            to: [bobId, ...submitterIds.slice(1)],
            suite: 'intl',
            fileId: `caliper-${run}-template`,
        });

        const password = randomBytes(32);
        const credential = (partyId, key) => ({
            partyId,
            keyFingerprint: key.publicKey.fingerprint,
            algorithm: key.publicKey.algorithm,
            envelope: sealEnvelope(key.publicKey, password).toString('base64'),
        });
        const [bobKey, ...submitterKeys] = keys;
        const credentials = Object.fromEntries(
            identities.map((identity, i) => [
                identity,
                JSON.stringify([credential(bobId, bobKey), credential(submitterIds[i], submitterKeys[i])]),
            ]),
        );
        const { digestAlgorithm, ciphertextDigest, size, locator, fileId } = upload;
        const args = {
            suite: 'intl',
            digestAlgorithm,
            ciphertextDigest,
            size,
            locator,
            credentials,
            readFileId: fileId,
        };
        fs.writeFileSync(file, `${JSON.stringify(args, null, 4)}\n`);
        return file;
    } finally {
        for (const party of parties) party.close();
    }
}
