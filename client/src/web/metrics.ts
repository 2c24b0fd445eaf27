import { ServerResponse } from 'node:http';
import { ChaincodeError, WebError } from '@sealpact/protocol';
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import { refusalOf } from './http';

/**
 * The web gateway's own Prometheus metrics (docs/operations.md#health-and-metrics): what it
 * answered, relayed and stored. Each gateway has its own registry, so two gateways in one process
 * count apart. Label values come from fixed sets (route templates, HTTP statuses, error codes);
 * never a party, a certificate, a file id or a locator.
 */
export class GatewayMetrics {
    readonly registry = new Registry();

    private readonly requests = new Counter({
        name: 'sealpact_web_requests_total',
        help: 'Requests answered, by route template and HTTP status',
        labelNames: ['route', 'status'],
        registers: [this.registry],
    });
    private readonly refusals = new Counter({
        name: 'sealpact_web_refusals_total',
        help: "Requests refused, by error code (the gateway's own or the chaincode's, relayed)",
        labelNames: ['code'],
        registers: [this.registry],
    });
    private readonly browserRefusals = new Counter({
        name: 'sealpact_web_browser_refusals_total',
        help: 'Requests the browser refused to sign, by error code (PROPOSAL_MISMATCH: the bytes were not what it asked for)',
        labelNames: ['code'],
        registers: [this.registry],
    });
    private readonly transactions = new Counter({
        name: 'sealpact_web_transactions_total',
        help: "Relayed transactions, by outcome (committed, refused with the chaincode's code, failed with the gateway's)",
        labelNames: ['outcome', 'code'],
        registers: [this.registry],
    });
    private readonly signIns = new Counter({
        name: 'sealpact_web_sign_ins_total',
        help: 'Sign-ins checked, by outcome (succeeded, failed)',
        labelNames: ['outcome'],
        registers: [this.registry],
    });
    private readonly blobBytes = new Counter({
        name: 'sealpact_web_blob_bytes_total',
        help: 'Ciphertext bytes stored in and served from the blob store',
        labelNames: ['direction'],
        registers: [this.registry],
    });
    private readonly eventStreams = new Gauge({
        name: 'sealpact_web_event_streams',
        help: 'Chaincode event streams open to browsers now',
        registers: [this.registry],
    });

    constructor() {
        collectDefaultMetrics({ register: this.registry });
    }

    /** A request answered under `route` (a route template, or `other` for a path no route has). */
    answered(route: string, status: number): void {
        this.requests.inc({ route, status });
    }

    refused(error: unknown): void {
        this.refusals.inc({ code: refusalOf(error).code });
    }

    /** The browser refused to sign a request this gateway built; `code` is one of a fixed set. */
    browserRefused(code: string): void {
        this.browserRefusals.inc({ code });
    }

    /**
     * Runs one relayed step of a transaction (endorse, submit, commit) and counts how the
     * transaction ended: committed after its commit step, refused by the chaincode or failed at any
     * step. A refusal of the gateway's own (no session, no such pending request) relayed nothing.
     */
    async relayed<T>(step: 'endorse' | 'submit' | 'commit', relay: () => Promise<T>): Promise<T> {
        try {
            const result = await relay();
            if (step === 'commit') this.transactions.inc({ outcome: 'committed' });
            return result;
        } catch (error) {
            if (!(error instanceof WebError)) {
                const outcome = error instanceof ChaincodeError ? 'refused' : 'failed';
                this.transactions.inc({ outcome, code: refusalOf(error).code });
            }
            throw error;
        }
    }

    /** Runs a sign-in check and counts whether it let the browser in. */
    signIn<T>(check: () => T): T {
        try {
            const session = check();
            this.signIns.inc({ outcome: 'succeeded' });
            return session;
        } catch (error) {
            this.signIns.inc({ outcome: 'failed' });
            throw error;
        }
    }

    blobStored(bytes: number): void {
        this.blobBytes.inc({ direction: 'stored' }, bytes);
    }

    blobServed(bytes: number): void {
        this.blobBytes.inc({ direction: 'served' }, bytes);
    }

    /** Counts an event stream as live until its response closes. */
    eventStream(response: ServerResponse): void {
        this.eventStreams.inc();
        response.on('close', () => {
            this.eventStreams.dec();
        });
    }
}
