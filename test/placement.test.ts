import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { defined } from '../protocol/src/test-support/defined';
import { livePid } from './support/chaos-network';
import { chaincodeServer, hostOf, memberOrgs, networkState, readTopology, ROOT } from './support/fabric';

/**
 * Where the network's processes run (docs/operations.md#multi-host-layout). Each organisation's
 * processes (its CA server and its orderers, or its CA server, peer and chaincode server) share one
 * network namespace: on the loopback network this machine's; with network:up -- --netns (npm run
 * test:multihost) the organisation's own, sealpact-<org name>, whose only addresses are the
 * organisation's and the loopback's, so the rest of the suite talks to it across the bridge. Every
 * server's TLS certificate names both the node and that address, as nodes dial each other by address.
 */

const topology = readTopology();
const inNamespaces = Boolean(networkState().netns);
const organisations = [
    {
        org: topology.ordererOrg,
        processes: [topology.ordererOrg.ca.name, ...topology.ordererOrg.orderers.map((node) => node.name)],
    },
    ...memberOrgs(topology).map((org) => ({
        org,
        processes: [org.ca.name, org.peer.name, chaincodeServer(org, topology.chaincode).name],
    })),
];
const pidOf = (name: string) => defined(livePid(name), `${name} running (network/.data/run/${name}.pid)`);
/** The network namespace a process is in, as the kernel names it ("net:[4026531840]"). */
const namespaceOf = (pid: number) => readlinkSync(`/proc/${pid}/ns/net`);
/** The subnet's prefix length, which every organisation's address has. */
const prefix = topology.multiHost.subnet.split('/')[1];
const ip = (...args: string[]) => execFileSync('ip', args, { encoding: 'utf8' }).trim();

describe(`the network's processes (${inNamespaces ? 'a network namespace per organisation' : 'loopback'})`, () => {
    it("share one network namespace per organisation: each organisation's own, or all this machine's", () => {
        const namespaces = organisations.map(({ org, processes }) => [
            org.name,
            [...new Set(processes.map((name) => namespaceOf(pidOf(name))))],
        ]);
        expect(namespaces.map(([name, found]) => [name, found?.length])).toEqual(
            organisations.map(({ org }) => [org.name, 1]),
        );
        const each = namespaces.map(([, found]) => found?.[0]);
        const own = namespaceOf(process.pid);
        expect(new Set(each).size).toBe(inNamespaces ? organisations.length : 1);
        expect(each.map((namespace) => namespace === own)).toEqual(each.map(() => !inNamespaces));
    });

    it("present TLS certificates for their names and their organisation's address", () => {
        for (const { org, processes } of organisations) {
            // The CA server's own certificate is its identity CA's (ca.mjs); the others' are in crypto/.
            for (const name of processes.filter((process) => process !== org.ca.name)) {
                const file = join(ROOT, 'network', '.data', 'crypto', org.domain, 'nodes', name, 'tls', 'server.crt');
                const names = new X509Certificate(readFileSync(file)).subjectAltName?.split(', ');
                expect([name, names]).toEqual([name, [`DNS:${name}`, 'DNS:localhost', `IP Address:${hostOf(org)}`]]);
            }
        }
    });

    it("name each organisation's namespace after it, holding its address alone", () => {
        for (const { org, processes } of organisations) {
            const pid = pidOf(defined(processes[0], `a process of ${org.name}`));
            const name = `sealpact-${org.name.toLowerCase()}`;
            expect([org.name, ip('netns', 'identify', String(pid))]).toEqual([org.name, inNamespaces ? name : '']);
            // `ip -o` prints one line per address: "<index>: <interface>    inet <address>/<prefix> ...".
            const addresses = inNamespaces
                ? ip('-n', name, '-4', '-o', 'addr', 'show')
                      .split('\n')
                      .map((line) => line.split(/\s+/).slice(1, 4).join(' '))
                : [];
            expect([org.name, addresses]).toEqual([
                org.name,
                inNamespaces ? ['lo inet 127.0.0.1/8', `eth0 inet ${org.address}/${prefix}`] : [],
            ]);
        }
    });
});
