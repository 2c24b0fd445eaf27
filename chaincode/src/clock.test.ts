import { StubNetwork } from './test-support/stub-network';
import { AccessEvent, CredentialInput } from '@sealpact/protocol';
import { defined } from '../../protocol/src/test-support/defined';
import {
    PARTY,
    credentialFor,
    keysOf,
    registerKeys,
    setGovernance,
    shareArgs,
    shareFile,
    standardParties,
    verifyParty,
} from './test-support/scenarios';
import { refused } from './test-support/refused';
import { evaluateJson, submitJson } from './test-support/answers';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

describe('the proposal time against the endorsing peer clock', () => {
    it('refuses a proposal more than CLOCK_SKEW (default 300 s) from the peer clock, in either direction', async () => {
        const ledger = new StubNetwork();
        await setGovernance(ledger);
        for (const offset of [-2 * HOUR, 2 * HOUR, -300_001, 300_001]) {
            const skewed = ledger.clientClockOff(offset);
            await expect(skewed.evaluate('alice', 'WhoAmI')).rejects.toThrow(
                refused('CLOCK_SKEW', "is more than 300 s from the endorsing peer's clock"),
            );
            await expect(registerKeys(skewed, 'alice', keysOf('alice', 'sm2'))).rejects.toThrow(
                refused('CLOCK_SKEW', "is more than 300 s from the endorsing peer's clock"),
            );
        }
        for (const offset of [-300_000, -MINUTE, MINUTE, 300_000]) {
            expect((await evaluateJson(ledger.clientClockOff(offset), 'alice', 'WhoAmI')).partyId).toBe(PARTY.alice);
        }
        await registerKeys(ledger.clientClockOff(-MINUTE), 'alice', keysOf('alice', 'sm2'));
    });

    it('names the proposal time but never the peer clock', async () => {
        const ledger = new StubNetwork();
        const proposed = new Date(ledger.nextTimestamp().getTime() - 2 * HOUR).toISOString();
        const peerClock = ledger.nextTimestamp().toISOString();
        const refusal = ledger.clientClockOff(-2 * HOUR).evaluate('alice', 'WhoAmI');
        await expect(refusal).rejects.toThrow(`CLOCK_SKEW: the proposal time ${proposed} is more than 300 s`);
        await expect(refusal).rejects.not.toThrow(peerClock);
    });

    it('keeps a back-dated ShareFile from reaching a party whose verification has expired', async () => {
        const ledger = new StubNetwork();
        const keys = await standardParties(ledger);
        await verifyParty(ledger, PARTY.carol, new Date(ledger.nextTimestamp().getTime() + 10 * MINUTE).toISOString());
        ledger.advanceClock(HOUR);
        const credentials = [
            credentialFor(PARTY.alice, keys.alice.encryption, 'late'),
            credentialFor(PARTY.carol, keys.carol.encryption, 'late'),
        ];
        const share = (offset: number) =>
            ledger.clientClockOff(offset).submit('alice', 'ShareFile', ...shareArgs('late', credentials));
        await expect(share(-2 * HOUR)).rejects.toThrow(
            refused('CLOCK_SKEW', "is more than 300 s from the endorsing peer's clock"),
        );
        await expect(share(-5 * MINUTE)).rejects.toThrow(
            refused('NOT_VERIFIED', `${PARTY.carol} has no valid identity verification`),
        );
    });

    it('takes CLOCK_SKEW from the chaincode server environment and refuses a bad value', async () => {
        const strict = new StubNetwork({ env: { SEALPACT_GOVERNANCE: undefined, CLOCK_SKEW: '60' } });
        await strict.clientClockOff(60_000).evaluate('alice', 'WhoAmI');
        await expect(strict.clientClockOff(61_000).evaluate('alice', 'WhoAmI')).rejects.toThrow(
            refused('CLOCK_SKEW', "is more than 60 s from the endorsing peer's clock"),
        );
        for (const value of ['abc', '0', '-5', '1.5', '300s', '86401', ' 300']) {
            const misconfigured = new StubNetwork({ env: { CLOCK_SKEW: value } });
            await expect(misconfigured.evaluate('alice', 'WhoAmI')).rejects.toThrow(
                `NOT_CONFIGURED: the chaincode server's CLOCK_SKEW must be whole seconds from 1 to 86400, not "${value}"`,
            );
        }
    });

    it('writes nothing derived from the peer clock: peers with different clocks endorse the same bytes', async () => {
        // Same proposals (same seed, same timestamps), peer clocks four minutes apart.
        const early = new StubNetwork({ seed: 'same', start: new Date('2025-01-01T00:00:00Z') });
        const late = new StubNetwork({ seed: 'same', start: new Date('2025-01-01T00:04:00Z') });
        await setGovernance(early);
        await setGovernance(late.clientClockOff(-4 * MINUTE));
        expect(defined(early.committed[0]).writes).toEqual(defined(late.committed[0]).writes);
    });
});

describe('record times never go backwards for the same party or file', () => {
    let ledger: StubNetwork;
    let keys: Awaited<ReturnType<typeof standardParties>>;
    /** A client whose clock is four minutes slow: within the skew, so its proposals are accepted. */
    let slow: ReturnType<StubNetwork['clientClockOff']>;
    const creds = (fileId: string, ...who: ('alice' | 'bob' | 'carol')[]): CredentialInput[] =>
        who.map((name) => credentialFor(PARTY[name], keys[name].encryption, fileId));

    beforeEach(async () => {
        ledger = new StubNetwork();
        keys = await standardParties(ledger);
        slow = ledger.clientClockOff(-4 * MINUTE);
    });

    it('party: verification, its revocation and a key rotation by slow clients', async () => {
        const party = () => evaluateJson(ledger, 'bob', 'GetParty', PARTY.bob);
        const verified = await party();
        await verifyParty(slow, PARTY.bob);
        const reverified = await party();
        expect(reverified.verification?.recordedAt).toBe(verified.updatedAt);
        expect(reverified.updatedAt).toBe(verified.updatedAt);

        await slow.submit('verifier', 'RevokeVerification', PARTY.bob);
        const revoked = await party();
        expect(revoked.verification?.revokedAt).toBe(reverified.updatedAt);

        const rotated = await registerKeys(slow, 'bob', keysOf('spare', 'sm2'));
        expect(rotated.updatedAt).toBe(revoked.updatedAt);
        const all = (await evaluateJson(ledger, 'bob', 'ListKeys', PARTY.bob, '10', '')).items;
        for (const key of all) {
            expect(key.registeredAt <= (key.retiredAt ?? key.registeredAt)).toBe(true);
            expect(key.retiredAt ?? key.registeredAt).toBe(rotated.updatedAt);
        }

        // A later record from an exact clock carries the transaction time again.
        ledger.advanceClock(10 * MINUTE);
        const at = ledger.nextTimestamp().toISOString();
        await verifyParty(ledger, PARTY.bob);
        expect((await party()).verification?.recordedAt).toBe(at);
    });

    it('file: grants and revocations by a slow owner are never stamped before the file', async () => {
        const file = await shareFile(ledger, 'alice', 'f1', creds('f1', 'alice', 'bob'));
        await verifyParty(ledger, PARTY.carol);
        const granted = await submitJson(slow, 'alice', 'GrantAccess', 'f1', JSON.stringify(creds('f1', 'carol')));
        expect(granted.updatedAt).toBe(file.createdAt);
        expect((await evaluateJson(ledger, 'carol', 'GetCredential', 'f1')).grantedAt).toBe(file.createdAt);
        const inbox = await evaluateJson(ledger, 'carol', 'ListInbox', '10', '');
        expect(inbox.items[0]?.sharedAt).toBe(file.createdAt);

        const revoked = await submitJson(slow, 'alice', 'RevokeAccess', 'f1', PARTY.bob);
        expect(revoked.revokedAt).toBe(file.createdAt);
        expect((await evaluateJson(ledger, 'alice', 'GetFile', 'f1')).updatedAt).toBe(file.createdAt);
        const event = JSON.parse(defined(ledger.events.at(-1)).payload) as AccessEvent;
        expect(event.at).toBe(file.createdAt);
    });

    it('governance: a change by a slow admin is not stamped before the previous one', async () => {
        const before = await evaluateJson(ledger, 'bob', 'GetGovernance');
        ledger.advanceClock(MINUTE);
        const lists = {
            governingMsps: before.governingMsps,
            authorityMsps: before.authorityMsps,
            auditorMsps: [...before.auditorMsps, 'Org2MSP'],
        };
        const after = await submitJson(slow, 'org1Admin', 'SetGovernance', JSON.stringify(lists));
        expect(after.updatedAt).toBe(before.updatedAt);
    });
});
