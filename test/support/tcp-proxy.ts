import { AddressInfo, connect, createServer, Server, Socket } from 'node:net';

/** Sees every byte a proxied connection carries: `stream` names the connection and its direction. */
export type Tap = (stream: string, bytes: Buffer) => void;

/**
 * A TCP proxy on 127.0.0.1 in front of one endpoint (a peer's gRPC port), passing bytes through
 * untouched (TLS runs end to end, client to peer), and showing them to its tap if it has one. `cut()` drops the connection for real: it
 * destroys every proxied socket at once and every connection made after it, so the client sees
 * its peer go away exactly when the test says, with nothing mocked.
 */
export class TcpProxy {
    private readonly sockets = new Set<Socket>();
    private isCut = false;
    private connections = 0;

    private constructor(
        private readonly server: Server,
        private readonly target: { host: string; port: number },
        private readonly tap?: Tap,
    ) {
        server.on('connection', (client) => {
            this.relay(client);
        });
    }

    /** Listen on a free port of 127.0.0.1, forwarding to `endpoint` ("host:port"). */
    static async start(endpoint: string, tap?: Tap): Promise<TcpProxy> {
        const colon = endpoint.lastIndexOf(':');
        const target = { host: endpoint.slice(0, colon), port: Number(endpoint.slice(colon + 1)) };
        const proxy = new TcpProxy(createServer(), target, tap);
        await new Promise<void>((resolve, reject) => {
            proxy.server.once('error', reject);
            proxy.server.listen(0, '127.0.0.1', resolve);
        });
        return proxy;
    }

    /** The proxy's own endpoint, for a connection profile. */
    get endpoint(): string {
        return `127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    }

    /** Drop every proxied connection now, and every new one from now on. */
    cut(): void {
        this.isCut = true;
        for (const socket of this.sockets) socket.destroy();
        this.sockets.clear();
    }

    async close(): Promise<void> {
        this.cut();
        await new Promise<void>((resolve) => {
            this.server.close(() => {
                resolve();
            });
        });
    }

    private relay(client: Socket): void {
        if (this.isCut) {
            client.destroy();
            return;
        }
        const upstream = connect(this.target.port, this.target.host);
        const connection = ++this.connections;
        for (const [from, to, direction] of [
            [client, upstream, 'to the server'],
            [upstream, client, 'to the client'],
        ] as const) {
            this.sockets.add(from);
            const tap = this.tap;
            if (tap) {
                from.on('data', (bytes: Buffer) => {
                    tap(`connection ${connection} ${direction}`, bytes);
                });
            }
            from.pipe(to);
            // Either side failing or closing takes the other down, as a broken link would.
            from.on('error', () => {
                to.destroy();
            });
            from.on('close', () => {
                to.destroy();
                this.sockets.delete(from);
            });
        }
    }
}
