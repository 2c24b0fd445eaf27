// The operations endpoints of the network's processes: each orderer's and peer's (Fabric's) and each
// organisation's Sealpact chaincode server's (chaincode/src/operations.ts). All serve /healthz and
// /metrics over HTTPS with the process's TLS certificate, checked here against its organisation's
// TLS CA (the ca.crt beside it) and its name. /metrics wants a client certificate from that CA:
// these scripts present the organisation admin's TLS client certificate. Each organisation's CA
// server answers /healthz in plain HTTP (ca.mjs says why). Each process is on its organisation's
// address (lib.mjs hostOf).
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import fs from 'node:fs';
import { chaincodeServers } from './config.mjs';
import { identityPaths } from './crypto.mjs';
import { CRYPTO, hostOf, orderers, topology } from './lib.mjs';

const target = (org, name, port) => {
    const admin = identityPaths(org, org.admin);
    return {
        name,
        host: hostOf(org),
        port,
        ca: path.join(CRYPTO, org.domain, 'nodes', name, 'tls', 'ca.crt'),
        clientCert: admin.tlsCert,
        clientKey: admin.tlsKey,
    };
};

/** The first `count` orderers' operations endpoints: [{ name, host, port, ca, clientCert, clientKey }] (files). */
export const ordererTargets = (count) =>
    orderers(count).map((node) => target(topology.ordererOrg, node.name, node.operationsPort));

/** Every process with an operations endpoint: the CA servers, the orderers, the peers, the Sealpact chaincode servers. */
export function operationsTargets(ordererCount) {
    return [
        ...[topology.ordererOrg, ...topology.orgs].map((org) => ({
            name: org.ca.name,
            host: hostOf(org),
            port: org.ca.operationsPort,
            plain: true,
        })),
        ...ordererTargets(ordererCount),
        ...topology.orgs.map((org) => target(org, org.peer.name, org.peer.operationsPort)),
        ...chaincodeServers(topology.chaincode)
            .filter((server) => server.operationsPort)
            .map((server) => target(server.org, server.name, server.operationsPort)),
    ];
}

/** GET `urlPath` from a target's operations endpoint: { status, body }; rejects if it does not answer in `timeoutMs`. */
export function operationsGet(target, urlPath, timeoutMs = 2000) {
    const where = { host: target.host, port: target.port, path: urlPath, timeout: timeoutMs };
    return new Promise((resolve, reject) => {
        const request = (target.plain ? http : https).get(
            target.plain
                ? where
                : {
                      ...where,
                      ca: fs.readFileSync(target.ca),
                      cert: fs.readFileSync(target.clientCert),
                      key: fs.readFileSync(target.clientKey),
                      servername: target.name,
                  },
            (response) => {
                let body = '';
                response.setEncoding('utf8');
                response.on('data', (chunk) => (body += chunk));
                response.on('end', () => resolve({ status: response.statusCode, body }));
                response.on('error', reject);
            },
        );
        request.on('timeout', () => request.destroy(new Error(`no answer in ${timeoutMs} ms`)));
        request.on('error', reject);
    });
}

/**
 * A target's health from its /healthz: "healthy", "unhealthy: <component>: <reason>; ..." (Fabric
 * answers 503 with failed_checks) or "no answer: <why>".
 */
export async function health(target) {
    let answer;
    try {
        answer = await operationsGet(target, '/healthz');
    } catch (err) {
        return `no answer: ${err.code ?? err.message}`;
    }
    if (answer.status === 200) return 'healthy';
    let failed = [];
    try {
        failed = JSON.parse(answer.body).failed_checks ?? [];
    } catch {
        // Not Fabric's JSON: the status says enough.
    }
    const reasons = failed.map((check) => `${check.component}: ${check.reason}`).join('; ');
    return `unhealthy: HTTP ${answer.status}${reasons ? `, ${reasons}` : ''}`;
}

/** The value of a Prometheus sample `name{labels}` in /metrics text (labels exactly as printed), or undefined. */
export function metricValue(text, sample) {
    for (const line of text.split('\n')) {
        if (line.startsWith(`${sample} `)) return Number(line.slice(sample.length + 1));
    }
    return undefined;
}

/**
 * The Sealpact counters in a chaincode server's /metrics text (chaincode/src/metrics.ts), summed
 * over their other labels: { transactions, shares, verificationFailures, refusals: { CODE: n } }.
 */
export function chaincodeCounters(text) {
    const counters = { transactions: 0, shares: 0, verificationFailures: 0, refusals: {} };
    const sample = /^sealpact_chaincode_(\w+)_total\{([^}]*)\} (\d+(?:\.\d+)?)$/;
    for (const line of text.split('\n')) {
        const match = sample.exec(line);
        if (!match) continue;
        const [, name, labels, value] = match;
        const count = Number(value);
        if (name === 'transactions') counters.transactions += count;
        if (name === 'shares') counters.shares += count;
        if (name === 'verification_failures') counters.verificationFailures += count;
        const code = /code="(\w+)"/.exec(labels)?.[1];
        if (name === 'refusals' && code) counters.refusals[code] = (counters.refusals[code] ?? 0) + count;
    }
    return counters;
}
