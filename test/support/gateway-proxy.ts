import * as grpc from '@grpc/grpc-js';
import { gateway } from '@hyperledger/fabric-protos';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ConnectionProfile, OrgProfile, readPem } from '../../client/src/sdk/profile';
import { messageOf } from '../../client/src/thrown';
import { SigningIdentity } from './tamper';

/** The Fabric Gateway service's methods: four unary, ChaincodeEvents server-streaming. */
export type GatewayMethod = 'Endorse' | 'Submit' | 'CommitStatus' | 'Evaluate' | 'ChaincodeEvents';

/** A rewrite of one method's response, on the wire bytes of request and response. */
type Rewrite = (request: Buffer, response: Buffer) => Uint8Array;

const passThrough = (bytes: Buffer): Buffer => bytes;

function method(name: GatewayMethod, responseStream: boolean): grpc.MethodDefinition<Buffer, Buffer> {
    return {
        path: `/gateway.Gateway/${name}`,
        requestStream: false,
        responseStream,
        requestSerialize: passThrough,
        requestDeserialize: passThrough,
        responseSerialize: passThrough,
        responseDeserialize: passThrough,
    };
}

/**
 * The org's peer as the profile names it, and the peer's own crypto folder: network:up writes
 * <domain>/tlsca/tlsca.pem beside <domain>/nodes/<peer>/{msp,tls}.
 */
function peerOf(profile: ConnectionProfile, mspId: string): { peer: OrgProfile['peer']; node: string } {
    const org = Object.values(profile.orgs).find((candidate) => candidate.mspId === mspId);
    if (org === undefined) {
        throw new Error(`the profile has no organisation ${mspId}`);
    }
    return { peer: org.peer, node: join(dirname(dirname(org.peer.tlsCACert)), 'nodes', org.peer.name) };
}

/**
 * The signing identity of an organisation's peer (its MSP signcert and key): what a compromised
 * peer endorses with, for resignEndorsementsAs.
 */
export function peerIdentity(profile: ConnectionProfile, mspId: string): SigningIdentity {
    const mspDir = join(peerOf(profile, mspId).node, 'msp');
    const [key, ...others] = readdirSync(join(mspDir, 'keystore'));
    if (key === undefined || others.length > 0) {
        throw new Error(`${mspDir}/keystore must hold exactly one key`);
    }
    return {
        mspId,
        certPem: readFileSync(join(mspDir, 'signcerts', 'cert.pem'), 'utf8'),
        privateKeyPem: readFileSync(join(mspDir, 'keystore', key), 'utf8'),
    };
}

/**
 * An organisation's own malicious gateway peer, for real: a gRPC server on 127.0.0.1 that
 * terminates TLS with the peer's own TLS certificate and key (whoever controls the peer has them,
 * so clients trusting the org's TLS CA connect without a complaint) and relays every call of the
 * Fabric Gateway service to the real peer over TLS. Bytes pass through untouched, with the call's
 * metadata, deadline and cancellation; upstream errors come back with their code, details and
 * trailers (the gateway's per-endorser ErrorDetails). Only when a rewrite hook is set does the
 * proxy decode Endorse or Evaluate responses and send back what the hook returns.
 */
export class GatewayProxy {
    private readonly rewrites = new Map<GatewayMethod, Rewrite>();
    private readonly counts = new Map<GatewayMethod, number>();

    private constructor(
        private readonly server: grpc.Server,
        private readonly upstream: grpc.Client,
        /** The MSP whose peer this proxy stands for. */
        readonly mspId: string,
        private readonly peer: OrgProfile['peer'],
        /** The proxy's own endpoint, "127.0.0.1:<port>". */
        readonly endpoint: string,
    ) {}

    /** Stand in for `mspId`'s gateway peer of `profile`, listening on a free port of 127.0.0.1. */
    static async start(profile: ConnectionProfile, mspId: string): Promise<GatewayProxy> {
        const { peer, node } = peerOf(profile, mspId);
        const server = new grpc.Server();
        const credentials = grpc.ServerCredentials.createSsl(
            null,
            [
                {
                    cert_chain: readFileSync(join(node, 'tls', 'server.crt')),
                    private_key: readFileSync(join(node, 'tls', 'server.key')),
                },
            ],
            false,
        );
        const port = await new Promise<number>((resolve, reject) => {
            server.bindAsync('127.0.0.1:0', credentials, (error, bound) => {
                if (error) reject(error);
                else resolve(bound);
            });
        });
        const upstream = new grpc.Client(
            peer.endpoint,
            grpc.credentials.createSsl(readPem(peer.tlsCACert, 'the peer TLS CA certificate')),
            { 'grpc.ssl_target_name_override': peer.hostnameOverride ?? peer.name },
        );
        const proxy = new GatewayProxy(server, upstream, mspId, peer, `127.0.0.1:${port}`);
        const unary = ['Endorse', 'Submit', 'CommitStatus', 'Evaluate'] as const;
        server.addService(
            {
                ...Object.fromEntries(unary.map((name) => [name, method(name, false)])),
                ChaincodeEvents: method('ChaincodeEvents', true),
            },
            {
                ...Object.fromEntries(unary.map((name) => [name, proxy.unary(name)])),
                ChaincodeEvents: proxy.serverStream('ChaincodeEvents'),
            },
        );
        return proxy;
    }

    /**
     * A copy of `profile` in which `mspId`'s peer (by default the one this proxy stands for) is
     * this proxy: same peer name as TLS hostname override, same TLS CA, the proxy's endpoint.
     */
    profileFor(profile: ConnectionProfile, mspId = this.mspId): ConnectionProfile {
        if (!Object.values(profile.orgs).some((org) => org.mspId === mspId)) {
            throw new Error(`the profile has no organisation ${mspId}`);
        }
        const peer = {
            ...this.peer,
            endpoint: this.endpoint,
            hostnameOverride: this.peer.hostnameOverride ?? this.peer.name,
        };
        const orgs = Object.fromEntries(
            Object.entries(profile.orgs).map(([key, org]) => [key, org.mspId === mspId ? { ...org, peer } : org]),
        );
        return { ...profile, orgs };
    }

    /** Rewrite every Endorse response from now on (undefined: pass them through again). */
    onEndorse(
        rewrite:
            | ((request: gateway.EndorseRequest, response: gateway.EndorseResponse) => gateway.EndorseResponse)
            | undefined,
    ): void {
        this.setRewrite(
            'Endorse',
            rewrite &&
                ((request, response) =>
                    rewrite(
                        gateway.EndorseRequest.deserializeBinary(request),
                        gateway.EndorseResponse.deserializeBinary(response),
                    ).serializeBinary()),
        );
    }

    /** Rewrite every Evaluate response from now on (undefined: pass them through again). */
    onEvaluate(
        rewrite:
            | ((request: gateway.EvaluateRequest, response: gateway.EvaluateResponse) => gateway.EvaluateResponse)
            | undefined,
    ): void {
        this.setRewrite(
            'Evaluate',
            rewrite &&
                ((request, response) =>
                    rewrite(
                        gateway.EvaluateRequest.deserializeBinary(request),
                        gateway.EvaluateResponse.deserializeBinary(response),
                    ).serializeBinary()),
        );
    }

    /** How many calls of `name` clients made through the proxy so far (e.g. no Submit after a refused read). */
    calls(name: GatewayMethod): number {
        return this.counts.get(name) ?? 0;
    }

    /** Stop at once: open calls (event streams) are cancelled. */
    close(): void {
        this.server.forceShutdown();
        this.upstream.close();
    }

    private setRewrite(name: GatewayMethod, rewrite: Rewrite | undefined): void {
        if (rewrite === undefined) this.rewrites.delete(name);
        else this.rewrites.set(name, rewrite);
    }

    private count(name: GatewayMethod): void {
        this.counts.set(name, this.calls(name) + 1);
    }

    private unary(name: GatewayMethod): grpc.handleUnaryCall<Buffer, Buffer> {
        const { path } = method(name, false);
        return (call, callback) => {
            this.count(name);
            // `parent` carries the caller's deadline and cancellation to the upstream call.
            const upstreamCall = this.upstream.makeUnaryRequest(
                path,
                passThrough,
                passThrough,
                call.request,
                call.metadata,
                { parent: call },
                (error, response) => {
                    if (error) {
                        callback(error); // code, details and trailers as the peer sent them
                        return;
                    }
                    const rewrite = this.rewrites.get(name);
                    let answer = response;
                    try {
                        answer = rewrite && response ? Buffer.from(rewrite(call.request, response)) : response;
                    } catch (thrown) {
                        // A hook that fails shows in the test as this status, not as a hung call.
                        callback({
                            code: grpc.status.INTERNAL,
                            details: `the proxy's ${name} rewrite failed: ${messageOf(thrown)}`,
                        });
                        return;
                    }
                    callback(null, answer);
                },
            );
            upstreamCall.on('metadata', (metadata: grpc.Metadata) => {
                call.sendMetadata(metadata);
            });
        };
    }

    private serverStream(name: GatewayMethod): grpc.handleServerStreamingCall<Buffer, Buffer> {
        const { path } = method(name, true);
        return (call) => {
            this.count(name);
            const upstreamCall = this.upstream.makeServerStreamRequest(
                path,
                passThrough,
                passThrough,
                call.request,
                call.metadata,
                { parent: call },
            );
            upstreamCall.on('metadata', (metadata: grpc.Metadata) => {
                call.sendMetadata(metadata);
            });
            upstreamCall.on('data', (message: Buffer) => {
                call.write(message);
            });
            // A writable server call turns an 'error' into the call's status (code, details, trailers).
            upstreamCall.on('error', (error: grpc.ServiceError) => {
                call.emit('error', error);
            });
            upstreamCall.on('end', () => {
                call.end();
            });
        };
    }
}
