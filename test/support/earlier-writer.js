// The upgrade test's old data, written through the earlier build's own SDK (its client/dist), in a
// process of its own so that build's modules never meet the current ones. Usage:
//   node earlier-writer.js BUILD PROFILE NAME DIR RUN
// BUILD the earlier build (earlier-build.ts), PROFILE the network's connection.json, NAME the
// chaincode definition its servers serve (earlier-chaincode.mjs), DIR the folder for keyrings, the
// fs store and the plaintexts (as test/support/parties.ts lays them out), RUN a run id for file
// ids. Prints JSON: the party ids, each file with its plaintext, and every record read back.
const { writeFileSync } = require('node:fs');
const { join } = require('node:path');

const PASSPHRASE = 'integration tests only'; // as test/support/parties.ts
const IDENTITIES = {
    org1Admin: 'Org1MSP/Admin@org1.example.com',
    alice: 'Org1MSP/alice@org1.example.com',
    dave: 'Org1MSP/dave@org1.example.com',
    bob: 'Org2MSP/bob@org2.example.com',
    carol: 'Org2MSP/carol@org2.example.com',
    verifier: 'AuthorityOrgMSP/verifier@authority.example.com',
    auditor: 'AuditorOrgMSP/auditor@auditor.example.com',
};
// topology.json's bootstrap governance: the chaincode servers hold it as SEALPACT_GOVERNANCE.
const { governingMsps, authorityMsps, auditorMsps } = require('../../network/topology.json').chaincode.governance;
const GOVERNANCE = { governingMsps, authorityMsps, auditorMsps };

async function write(build, profilePath, name, dir, run) {
    const { connect } = require(join(build, 'client', 'dist', 'sdk', 'connect'));
    const { generateKeyPair } = require(join(build, 'client', 'dist', 'crypto', 'keys'));
    const { loadProfile } = require(join(build, 'client', 'dist', 'sdk', 'profile'));
    const profile = { ...loadProfile(profilePath), chaincode: name };
    const sessions = {};
    for (const [who, identity] of Object.entries(IDENTITIES)) {
        sessions[who] = await connect({
            profile,
            identity,
            store: `fs://${join(dir, 'blobs')}`,
            keyring: { dir: join(dir, 'keyrings', who), passphrase: PASSPHRASE },
        });
    }
    const { org1Admin, alice, dave, bob, carol, verifier, auditor } = sessions;
    try {
        await org1Admin.ledger.submit('SetGovernance', JSON.stringify(GOVERNANCE));
        // SM2 and RSA keys, one pair or an encryption and a signing pair: every kind of credential and signature.
        await alice.registerKeys(generateKeyPair('sm2'), generateKeyPair('sm2'));
        await bob.registerKeys(generateKeyPair('rsa', { bits: 2048 }));
        await carol.registerKeys(generateKeyPair('sm2'));
        await dave.registerKeys(generateKeyPair('rsa', { bits: 2048 }), generateKeyPair('sm2'));
        const ids = {};
        for (const who of ['alice', 'bob', 'carol', 'dave']) ids[who] = (await sessions[who].whoAmI()).partyId;
        for (const who of ['bob', 'carol', 'dave']) {
            await verifier.recordVerification(ids[who], { serial: `hmac-${run}-${who}`, level: 'high' });
        }

        const files = {};
        for (const [suite, to] of [
            ['gm', ['bob', 'carol']],
            ['intl', ['bob', 'dave']],
        ]) {
            const fileId = `${run}-earlier-${suite}`;
            const plaintext = join(dir, `${fileId}.txt`);
            writeFileSync(plaintext, `Contract ${fileId}, written by the earlier build.\n`.repeat(300));
            await alice.send(plaintext, { to: to.map((who) => ids[who]), suite, fileId });
            files[suite] = { fileId, plaintext };
        }
        // Signatures over signing statement v2, made from the received copy.
        const received = join(dir, 'received-gm.txt');
        await bob.receive(files.gm.fileId, received);
        await bob.sign(files.gm.fileId, received);
        await dave.receive(files.intl.fileId, join(dir, 'received-intl.txt'));
        await dave.sign(files.intl.fileId, join(dir, 'received-intl.txt'));
        // A grant and a revocation: carol's credential for the intl file is revoked.
        await alice.grant(files.intl.fileId, [ids.carol]);
        await alice.revoke(files.intl.fileId, ids.carol);

        const records = { parties: {}, files: {}, signatures: {}, inbox: {} };
        for (const who of ['alice', 'bob', 'carol', 'dave']) records.parties[who] = await auditor.getParty(ids[who]);
        // The recipients' inboxes: on a real peer a list query that finds nothing fails in both
        // builds (fabric-shim leaves `metadata` undefined when the page is empty), so alice's is not read.
        for (const who of ['bob', 'carol', 'dave']) records.inbox[who] = await sessions[who].inbox();
        for (const { fileId } of Object.values(files)) {
            records.files[fileId] = await auditor.getFile(fileId);
            records.signatures[fileId] = await auditor.signatures(fileId);
        }
        return { ids, files, records };
    } finally {
        for (const session of Object.values(sessions)) session.close();
    }
}

write(...process.argv.slice(2)).then(
    (result) => process.stdout.write(JSON.stringify(result)),
    (err) => {
        process.stderr.write(`${err.code ? `${err.code}: ` : ''}${err.message}\n`);
        process.exitCode = 1;
    },
);
