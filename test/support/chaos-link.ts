import { connect, ConnectOptions } from '../../client/src/sdk/connect';
import { ConnectionProfile } from '../../client/src/sdk/profile';
import { Sealpact } from '../../client/src/sdk/sealpact';
import { profile } from './fabric';
import { TcpProxy } from './tcp-proxy';
import { defined } from '../../protocol/src/test-support/defined';

/**
 * A party whose connection to its organisation's gateway peer runs through a TcpProxy, so the
 * suite can cut it for real between submit and commit: once the orderer accepted the party's next
 * ShareFile, every socket is dropped before the commit status comes back (as test/commit-unknown
 * does). A cut proxy stays cut; `reconnect` brings the link back as a new proxy and a new session,
 * as a client reconnects after its network came back.
 */
export class CuttableLink {
    private proxy?: TcpProxy;
    private session?: Sealpact;
    private armed?: (cut: { at: number; txId: string }) => void;
    /** Sessions replaced by a reconnect: an operation may still be running on one, so they are closed last. */
    private readonly retired: Sealpact[] = [];

    constructor(
        private readonly mspId: string,
        private readonly options: Omit<ConnectOptions, 'profile'>,
    ) {}

    /** The session to use now (a new one after `reconnect`). */
    current(): Sealpact {
        return defined(this.session, 'the link (call reconnect first)');
    }

    /** The proxy's endpoint, as the SDK names it in errors. */
    get endpoint(): string {
        return defined(this.proxy, 'the link (call reconnect first)').endpoint;
    }

    /** Open the link: a new proxy in front of the organisation's peer and a session through it. */
    async reconnect(): Promise<void> {
        const direct = profile();
        const org = defined(direct.orgs[this.mspId], `${this.mspId} in the connection profile`);
        if (!org.peer.hostnameOverride) {
            throw new Error(
                `${this.mspId}'s peer has no hostnameOverride, so TLS through a proxy would check its address`,
            );
        }
        const proxy = await TcpProxy.start(org.peer.endpoint);
        const proxied: ConnectionProfile = {
            ...direct,
            orgs: { ...direct.orgs, [this.mspId]: { ...org, peer: { ...org.peer, endpoint: proxy.endpoint } } },
        };
        const session = await connect({ ...this.options, profile: proxied });
        session.ledger.onSubmitted((tx) => {
            if (this.armed !== undefined && tx.transaction === 'ShareFile') {
                proxy.cut();
                this.armed({ at: Date.now(), txId: tx.txId });
                this.armed = undefined;
            }
        });
        await this.proxy?.close();
        if (this.session) this.retired.push(this.session);
        [this.proxy, this.session] = [proxy, session];
    }

    /**
     * Cut the link once the orderer accepted this party's next ShareFile; resolves with when that
     * was and the transaction's id.
     */
    cutAtNextShare(timeoutMs = 30_000): Promise<{ at: number; txId: string }> {
        return new Promise((resolve, reject) => {
            const timer = setTimeout(() => {
                this.armed = undefined;
                reject(new Error(`no ShareFile reached the orderer through the link within ${timeoutMs / 1000} s`));
            }, timeoutMs);
            this.armed = (cut) => {
                clearTimeout(timer);
                resolve(cut);
            };
        });
    }

    async close(): Promise<void> {
        for (const session of [...this.retired, this.session]) session?.close();
        await this.proxy?.close();
    }
}
