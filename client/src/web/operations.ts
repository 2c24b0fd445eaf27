import { createServer, Server } from 'node:http';
import { WebError } from '@sealpact/protocol';
import { sendError, sendHealth } from './http';
import { GatewayMetrics } from './metrics';

/**
 * The gateway's operations port (docs/web.md#health-and-metrics): GET /healthz and GET /metrics
 * (metrics.ts, in the Prometheus text format), nothing else. /metrics is served here only, never
 * on the app's port, so the reverse proxy that publishes the app does not publish it: whoever
 * reaches this port (the loopback, or the monitoring network it is bound to) may read it.
 */
export function operationsServer(metrics: GatewayMetrics): Server {
    return createServer((request, response) => {
        const path = new URL(request.url ?? '/', 'http://operations').pathname;
        if (request.method === 'GET' && path === '/healthz') {
            sendHealth(response);
        } else if (request.method === 'GET' && path === '/metrics') {
            metrics.registry.metrics().then(
                (text) => response.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text),
                (error: unknown) => {
                    sendError(response, error);
                },
            );
        } else {
            sendError(response, new WebError('NOT_FOUND', 'the operations port serves GET /healthz and /metrics'));
        }
    });
}
