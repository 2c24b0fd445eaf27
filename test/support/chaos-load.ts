import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateKeyPair } from '../../client/src/crypto/keys';
import { connect, ConnectOptions } from '../../client/src/sdk/connect';
import { Sealpact } from '../../client/src/sdk/sealpact';
import { IdentityName } from '../../chaincode/src/test-support/fixtures';
import { CuttableLink } from './chaos-link';
import { OperationLog } from './chaos-log';
import { sleep } from './chaos-network';
import { s3Store, S3Server } from './chaos-s3';
import { IDENTITIES, PROFILE_PATH } from './fabric';
import { PASSPHRASE } from './parties';

/**
 * The steady load the faults are injected under: two pairs of parties in different organisations,
 * each sender sharing small contracts with its partner in a loop (blobs to the S3 store), each
 * partner receiving (download, verify, decrypt, compare with what was sent) and signing every one
 * the SDK reported sent. Every operation goes into the OperationLog; nothing is retried in the
 * background, so the log is what a user saw. Alice reaches her gateway through a CuttableLink.
 */

/** The sender of each pair and whom it sends to. */
const PAIRS: { sender: IdentityName; recipient: IdentityName }[] = [
    { sender: 'alice', recipient: 'bob' },
    { sender: 'carol', recipient: 'dave' },
];
/** The party whose connection the suite cuts between submit and commit. */
const LINKED: IdentityName = 'alice';
/** A file a recipient could not receive or sign is tried this many times. */
const ATTEMPTS = 10;
/** After a failure a worker waits this long, as a client backs off, instead of its usual pause. */
const FAILURE_PAUSE_MS = 500;

/** A file the SDK reported sent, for its recipient to receive and sign. */
interface Job {
    fileId: string;
    /** What was sent, to compare what is received with. */
    original: string;
    received: boolean;
    attempts: number;
}

export class ChaosLoad {
    readonly log = new OperationLog();
    readonly link: CuttableLink;
    /** File ids whose received contract differs from what was sent. */
    readonly mismatches: string[] = [];
    private readonly sessions = new Map<string, Sealpact>();
    private readonly jobs = new Map<IdentityName, Job[]>(PAIRS.map(({ recipient }) => [recipient, []]));
    private loops: Promise<void>[] = [];
    private stopping = false;

    private constructor(
        private readonly server: S3Server,
        private readonly dir: string,
        private readonly run: string,
        private readonly pauseMs: number,
    ) {
        this.link = new CuttableLink(IDENTITIES[LINKED][0], this.sessionOptions(LINKED));
    }

    /**
     * Connect every party (keys registered, recipients verified by the authority), each with its own
     * keyring in `dir` and its own client of the S3 store; `pauseMs` between a worker's operations.
     */
    static async open(options: { server: S3Server; dir: string; run: string; pauseMs: number }): Promise<ChaosLoad> {
        const load = new ChaosLoad(options.server, options.dir, options.run, options.pauseMs);
        try {
            await load.connectParties();
        } catch (err) {
            await load.close();
            throw err;
        }
        return load;
    }

    private sessionOptions(who: IdentityName): Omit<ConnectOptions, 'profile'> {
        const [mspId, name] = IDENTITIES[who];
        return {
            identity: `${mspId}/${name}`,
            store: s3Store(this.server),
            keyring: { dir: join(this.dir, 'keyrings', who), passphrase: PASSPHRASE },
        };
    }

    private async connectParties(): Promise<void> {
        await this.link.reconnect();
        for (const who of this.workers) {
            if (who !== LINKED) {
                this.sessions.set(who, await connect({ profile: PROFILE_PATH, ...this.sessionOptions(who) }));
            }
            await this.session(who).registerKeys(generateKeyPair('sm2'), generateKeyPair('sm2'));
        }
        const verifier = await connect({ profile: PROFILE_PATH, ...this.sessionOptions('verifier') });
        try {
            for (const { recipient } of PAIRS) {
                const { partyId } = await this.session(recipient).whoAmI();
                await verifier.recordVerification(partyId, { serial: `hmac-${this.run}-${recipient}`, level: 'high' });
            }
        } finally {
            verifier.close();
        }
        mkdirSync(join(this.dir, 'sent'), { recursive: true });
        mkdirSync(join(this.dir, 'received'), { recursive: true });
    }

    /** The workers, by the party each runs as. */
    get workers(): IdentityName[] {
        return PAIRS.flatMap((pair) => [pair.sender, pair.recipient]);
    }

    get senders(): IdentityName[] {
        return PAIRS.map((pair) => pair.sender);
    }

    /** The session a worker (a party of the load) uses now. */
    session(who: string): Sealpact {
        if (who === LINKED) return this.link.current();
        const session = this.sessions.get(who);
        if (session === undefined) throw new Error(`${who} is not a party of the load`);
        return session;
    }

    start(): void {
        this.loops = PAIRS.flatMap(({ sender, recipient }) => [
            this.sendLoop(sender, recipient),
            this.signLoop(recipient),
        ]);
    }

    /** Let every worker finish the operation it is in; resolves once all did, or after `timeoutMs`. */
    async stop(timeoutMs: number): Promise<void> {
        this.stopping = true;
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
            Promise.all(this.loops),
            new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs))),
        ]);
        clearTimeout(timer);
    }

    async close(): Promise<void> {
        for (const session of this.sessions.values()) session.close();
        await this.link.close();
    }

    private async sendLoop(sender: IdentityName, recipient: IdentityName): Promise<void> {
        const { partyId } = await this.session(recipient).whoAmI();
        const jobs = this.jobs.get(recipient) ?? [];
        for (let n = 1; !this.stopping; n++) {
            const fileId = `${this.run}-${sender}-${n}`;
            const original = join(this.dir, 'sent', `${fileId}.txt`);
            writeFileSync(original, contract(fileId));
            const sent = await this.log.record(
                sender,
                'send',
                fileId,
                () => this.session(sender).send(original, { to: [partyId], suite: 'gm', fileId }),
                (result) => ({ txId: result.txId, locator: result.locator }),
            );
            if (sent) jobs.push({ fileId, original, received: false, attempts: 0 });
            await sleep(sent ? this.pauseMs : FAILURE_PAUSE_MS);
        }
    }

    /** Receive and sign each file sent to `recipient`, oldest first; one that fails goes to the back of the queue. */
    private async signLoop(recipient: IdentityName): Promise<void> {
        const jobs = this.jobs.get(recipient) ?? [];
        while (!this.stopping) {
            const job = jobs.shift();
            if (job === undefined) {
                await sleep(100);
                continue;
            }
            const done = await this.receiveAndSign(recipient, job);
            if (!done && ++job.attempts < ATTEMPTS) jobs.push(job);
            await sleep(done ? this.pauseMs : FAILURE_PAUSE_MS);
        }
    }

    /** True once the job is done: received, and signed now or by an earlier attempt whose outcome was unknown. */
    private async receiveAndSign(recipient: IdentityName, job: Job): Promise<boolean> {
        const session = this.session(recipient);
        const out = join(this.dir, 'received', `${recipient}-${job.fileId}.txt`);
        if (!job.received) {
            if (!(await this.log.record(recipient, 'receive', job.fileId, () => session.receive(job.fileId, out)))) {
                return false;
            }
            job.received = true;
            if (!readFileSync(out).equals(readFileSync(job.original))) this.mismatches.push(job.fileId);
        }
        const signed = await this.log.record(
            recipient,
            'sign',
            job.fileId,
            () => session.sign(job.fileId, out),
            (result) => ({ txId: result.txId }),
        );
        // DUPLICATE_ID: an earlier attempt whose commit status was lost did commit.
        return signed !== undefined || this.log.last(recipient)?.code === 'DUPLICATE_ID';
    }
}

/** A few kilobytes of contract text, unique to the file. */
function contract(fileId: string): string {
    const clause = `Contract ${fileId} (${randomBytes(8).toString('hex')}): the Supplier shall deliver the Goods.\n`;
    return clause.repeat(40);
}
