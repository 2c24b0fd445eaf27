import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { ChaincodeError, LedgerError, WebError } from '@sealpact/protocol';
import { GatewayMetrics } from './metrics';

// The outcomes gateway.test.ts cannot reach without a peer: a committed and a refused transaction,
// and an event stream while it is open.

async function metric(metrics: GatewayMetrics, name: string): Promise<string> {
    return metrics.registry.getSingleMetricAsString(name);
}

describe("the web gateway's metrics", () => {
    it('count how relayed transactions end, and not what the gateway refused before relaying', async () => {
        const metrics = new GatewayMetrics();
        await metrics.relayed('endorse', () => Promise.resolve('endorsed'));
        await metrics.relayed('commit', () => Promise.resolve('committed'));
        for (const error of [
            new ChaincodeError('ACCESS_DENIED', 'not yours'),
            new LedgerError('TIMEOUT', 'no answer'),
            new WebError('NOT_FOUND', 'no pending proposal'),
            new Error('a bug'),
        ]) {
            await expect(metrics.relayed('submit', () => Promise.reject(error))).rejects.toBe(error);
        }
        expect((await metric(metrics, 'sealpact_web_transactions_total')).split('\n').slice(2)).toEqual([
            'sealpact_web_transactions_total{outcome="committed"} 1',
            'sealpact_web_transactions_total{outcome="refused",code="ACCESS_DENIED"} 1',
            'sealpact_web_transactions_total{outcome="failed",code="TIMEOUT"} 1',
            'sealpact_web_transactions_total{outcome="failed",code="UNEXPECTED"} 1',
        ]);
    });

    it('count an event stream as live until its response closes', async () => {
        const metrics = new GatewayMetrics();
        const response = (): ServerResponse => new ServerResponse(new IncomingMessage(new Socket()));
        const [first, second] = [response(), response()];
        metrics.eventStream(first);
        metrics.eventStream(second);
        first.emit('close');
        expect(await metric(metrics, 'sealpact_web_event_streams')).toContain('\nsealpact_web_event_streams 1');
        second.emit('close');
        expect(await metric(metrics, 'sealpact_web_event_streams')).toContain('\nsealpact_web_event_streams 0');
    });
});
