import {
    base64ToBytes,
    bytesToBase64,
    ErrorCode,
    isSealpactError,
    SealpactError,
    utf8,
    webLoginStatement,
} from '@sealpact/protocol';
import { source } from './buffer-source';
import { ByteReader } from './byte-reader';
import { FabricIdentity } from './fabric-identity';
import type { TrustAnchors } from '@sealpact/protocol/fabric';
import { checkCommitRequest, checkEventsRequest, checkProposal, checkTransaction, Expected } from './signing-check';
import { ReadRelay, VerifiedReads } from './verified-read';

/**
 * The browser's side of the web gateway's API (client/src/web/gateway.ts). Every ledger request
 * is built by the gateway and signed here with the user's Fabric key, after signing-check.ts found
 * it to be the request asked for; blobs go up and down as ciphertext only.
 */

/** How long the page waits before it asks again for an event stream that ended. */
const RECONNECT_MS = 2000;

interface ToSign {
    id: string;
    message: string;
}

export interface GatewayInfo {
    channel: string;
    chaincode: string;
    organisations: string[];
}

/** A JSON request (or one of raw bytes: an upload's part); its JSON answer, or its error thrown. */
async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const bytes = body instanceof Blob;
    const response = await fetch(path, {
        method,
        headers: body === undefined ? {} : { 'content-type': bytes ? 'application/octet-stream' : 'application/json' },
        body: body === undefined ? undefined : bytes ? body : JSON.stringify(body),
        credentials: 'same-origin',
    });
    const answer = (await response.json()) as T & { code?: ErrorCode; message?: string };
    if (!response.ok) {
        // The gateway's message already starts with its code.
        throw new SealpactError(answer.code ?? 'UNEXPECTED', (answer.message ?? '').replace(/^[A-Z_]+: /, ''));
    }
    return answer;
}

export function gatewayInfo(): Promise<GatewayInfo> {
    return call('GET', '/api/info');
}

/** What the key flows need of a session: whose it is, and its queries and transactions. */
export type LedgerSession = Pick<GatewaySession, 'partyId' | 'query' | 'submit'>;

export class GatewaySession implements ReadRelay {
    private reads: VerifiedReads | undefined;

    private constructor(
        readonly identity: FabricIdentity,
        readonly partyId: string,
        private readonly expected: Expected,
    ) {}

    /** Sign in: answer a one-time challenge with the identity's key (BAD_LOGIN when the gateway refuses). */
    static async signIn(identity: FabricIdentity): Promise<GatewaySession> {
        const info = await gatewayInfo();
        const { challenge } = await call<{ challenge: string }>('POST', '/api/challenge');
        const signature = await identity.sign(utf8(webLoginStatement(location.origin, challenge)));
        const { partyId } = await call<{ partyId: string }>('POST', '/api/login', {
            mspId: identity.mspId,
            certificate: identity.certificate,
            challenge,
            signature: bytesToBase64(signature),
        });
        const expected = { ...info, mspId: identity.mspId, certificate: identity.certificate };
        return new GatewaySession(identity, partyId, expected);
    }

    get channel(): string {
        return this.expected.channel;
    }

    get chaincode(): string {
        return this.expected.chaincode;
    }

    /** From now on every query is a verified read against `anchors` (verified-read.ts). */
    verifyReads(anchors: TrustAnchors): void {
        this.reads = new VerifiedReads(this, anchors);
    }

    /**
     * A query; its answer parsed as JSON. A verified read once verifyReads was called, else the
     * answer of the user's organisation's peer as the gateway relays it.
     */
    async query<T>(transaction: string, ...args: string[]): Promise<T> {
        const started = performance.now();
        const answer = await (this.reads?.read<T>(transaction, args) ?? this.relayedQuery<T>(transaction, args));
        // What a read costs, for whoever profiles the page (docs/benchmarks.md, Verified reads).
        performance.measure(`sealpact:${this.reads === undefined ? 'read' : 'verified-read'} ${transaction}`, {
            start: started,
        });
        return answer;
    }

    private async relayedQuery<T>(transaction: string, args: string[]): Promise<T> {
        const proposal = await call<ToSign>('POST', '/api/proposals', { transaction, args });
        const bytes = base64ToBytes(proposal.message) ?? new Uint8Array(0);
        await this.checked(proposal.id, () => checkProposal(bytes, this.expected, transaction, args));
        const { result } = await call<{ result: string }>('POST', `/api/proposals/${proposal.id}/evaluate`, {
            signature: await this.signed(bytes),
        });
        return JSON.parse(result) as T;
    }

    async endorsedQuery(transaction: string, args: string[]): Promise<{ proposal: Uint8Array; prepared: Uint8Array }> {
        const proposal = await call<ToSign>('POST', '/api/proposals', { transaction, args });
        const bytes = base64ToBytes(proposal.message) ?? new Uint8Array(0);
        checkProposal(bytes, this.expected, transaction, args);
        const { prepared } = await call<{ prepared: string }>('POST', `/api/proposals/${proposal.id}/read`, {
            signature: await this.signed(bytes),
        });
        return { proposal: bytes, prepared: base64ToBytes(prepared) ?? new Uint8Array(0) };
    }

    async systemQuery(transaction: string, args: string[]): Promise<Uint8Array> {
        const proposal = await call<ToSign>('POST', '/api/proposals', { transaction, args, system: true });
        const bytes = base64ToBytes(proposal.message) ?? new Uint8Array(0);
        checkProposal(bytes, { ...this.expected, chaincode: 'qscc' }, transaction, args);
        const { result } = await call<{ result: string }>('POST', `/api/proposals/${proposal.id}/evaluate`, {
            signature: await this.signed(bytes),
            encoding: 'base64',
        });
        return base64ToBytes(result) ?? new Uint8Array(0);
    }

    /** A transaction endorsed, ordered and committed; the chaincode's answer (JSON text) and its id. */
    async submit(transaction: string, ...args: string[]): Promise<{ result: string; txId: string }> {
        const proposal = await call<ToSign>('POST', '/api/proposals', { transaction, args });
        const proposalBytes = base64ToBytes(proposal.message) ?? new Uint8Array(0);
        const checked = await this.checked(proposal.id, () =>
            checkProposal(proposalBytes, this.expected, transaction, args),
        );
        const endorsed = await call<ToSign>('POST', `/api/proposals/${proposal.id}/endorse`, {
            signature: await this.signed(proposalBytes),
        });
        const transactionBytes = base64ToBytes(endorsed.message) ?? new Uint8Array(0);
        await this.checked(endorsed.id, () => {
            checkTransaction(transactionBytes, this.expected, checked);
        });
        const submitted = await call<ToSign>('POST', `/api/proposals/${endorsed.id}/submit`, {
            signature: await this.signed(transactionBytes),
        });
        const commitBytes = base64ToBytes(submitted.message) ?? new Uint8Array(0);
        await this.checked(submitted.id, () => {
            checkCommitRequest(commitBytes, this.expected, checked.txId);
        });
        const committed = await call<{ txId: string; result: string }>(
            'POST',
            `/api/proposals/${submitted.id}/commit`,
            {
                signature: await this.signed(commitBytes),
            },
        );
        return committed;
    }

    /** The party ids the gateway's organisation directory knows: candidates to send to. */
    async directory(): Promise<string[]> {
        return (await call<{ parties: string[] }>('GET', '/api/directory')).parties;
    }

    /**
     * Chaincode events from now on, as the gateway relays them; `onEvent` gets each event's name and
     * payload. A stream that ends is asked for anew (a new signed request) a moment later, and
     * `onEvent('Reconnected')` then tells the page to catch up on what it may have missed.
     */
    async events(onEvent: (name: string, payload: unknown) => void): Promise<EventSource> {
        const request = await call<ToSign>('POST', '/api/events');
        const bytes = base64ToBytes(request.message) ?? new Uint8Array(0);
        await this.checked(request.id, () => {
            checkEventsRequest(bytes, this.expected);
        });
        const signature = encodeURIComponent(await this.signed(bytes));
        const source = new EventSource(`/api/events/${request.id}?signature=${signature}`);
        source.onmessage = (message: MessageEvent<string>) => {
            const event = JSON.parse(message.data) as { name: string; payload: string };
            onEvent(event.name, JSON.parse(event.payload));
        };
        source.onerror = () => {
            source.close();
            setTimeout(() => {
                this.events(onEvent).then(
                    () => {
                        onEvent('Reconnected', null);
                    },
                    () => undefined,
                );
            }, RECONNECT_MS);
        };
        return source;
    }

    /**
     * Store a container in the organisation's blob store as it is produced, in parts of the size
     * the gateway names (docs/web.md, uploads), then finish with the digest `digest()` gives once
     * every byte passed; the page holds one part at a time. Answers the stored locator, digest
     * and size; an upload that fails is abandoned, and the gateway removes what it wrote.
     */
    async uploadBlob(
        container: AsyncIterable<Uint8Array>,
        digestAlgorithm: string,
        size: number,
        digest: () => Promise<string>,
        progress: (sent: number) => void,
    ): Promise<{ locator: string; digest: string; size: number }> {
        const query = new URLSearchParams({ digestAlgorithm, size: String(size) });
        const upload = await call<{ id: string; partSize: number }>('POST', `/api/uploads?${query.toString()}`);
        try {
            const reader = new ByteReader(container);
            let sent = 0;
            for (let part = 0; !(await reader.atEnd()); part++) {
                const bytes = await reader.read(upload.partSize);
                // As a Blob, which Chromium keeps out of the heap: fetch held on to a typed array's bytes.
                await call('PUT', `/api/uploads/${upload.id}/parts/${part}`, new Blob([source(bytes)]));
                sent += bytes.length;
                progress(sent);
            }
            return await call('POST', `/api/uploads/${upload.id}/finish`, { digest: await digest() });
        } catch (error) {
            await call('DELETE', `/api/uploads/${upload.id}`).catch(() => undefined);
            throw error;
        }
    }

    /** Ciphertext from the blob store as it arrives, exactly as the gateway gives it (the caller checks its digest). */
    async getBlob(locator: string): Promise<ReadableStream<Uint8Array>> {
        const response = await fetch(`/api/blobs?${new URLSearchParams({ locator }).toString()}`, {
            credentials: 'same-origin',
        });
        if (!response.ok || response.body === null) {
            const answer = (await response.json()) as { code?: ErrorCode; message?: string };
            throw new SealpactError(answer.code ?? 'UNEXPECTED', answer.message ?? '');
        }
        return response.body;
    }

    async signOut(): Promise<void> {
        await call('POST', '/api/logout');
    }

    /**
     * Run a signing check on pending request `id`. When it refuses (PROPOSAL_MISMATCH), tell the
     * gateway, which drops the request and counts the refusal for its operators, then throw: nothing
     * is signed either way. The report is best effort, since a gateway that tampers may ignore it.
     */
    private async checked<T>(id: string, check: () => T): Promise<T> {
        try {
            return check();
        } catch (error) {
            if (isSealpactError(error, 'PROPOSAL_MISMATCH')) {
                await call('POST', `/api/proposals/${id}/refuse`, { code: error.code }).catch(() => undefined);
            }
            throw error;
        }
    }

    private async signed(bytes: Uint8Array): Promise<string> {
        return bytesToBase64(await this.identity.sign(bytes));
    }
}
