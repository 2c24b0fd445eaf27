// The multi-host layout on one machine (network:up -- --netns; docs/operations.md#multi-host-layout):
// each organisation gets a Linux network namespace of its own, sealpact-<org name>, with one
// interface, eth0, on its topology.json `address`, joined by a veth pair to a bridge (`multiHost`
// `bridge`) in the root namespace, where this machine has `multiHost.hostAddress` for the clients:
// the scripts, the SDK and the tests. Nothing else is routed: no namespace has a default route and
// the root namespace forwards nothing, so traffic stays between these addresses.
import fs from 'node:fs';
import { namespaceName, run, stage, StageError, topology } from './lib.mjs';

const STAGE = 'network namespaces';
const { bridge, subnet, hostAddress } = topology.multiHost;
const prefix = subnet.split('/')[1];

const ip = (args) => run(STAGE, 'ip', args);
const linkExists = (name) => fs.existsSync(`/sys/class/net/${name}`);
const namespaceExists = (namespace) => fs.existsSync(`/run/netns/${namespace}`);

/** The root namespace's end of `org`'s veth pair: the bridge's name and the address's last number. */
function hostSide(org) {
    const name = `${bridge}-${org.address.split('.').pop()}`;
    // Linux interface names have at most 15 characters.
    if (name.length > 15) throw new StageError(`topology.json: multiHost.bridge ${bridge} is too long for ${name}`);
    return name;
}

async function ensureBridge() {
    if (linkExists(bridge)) return;
    await ip(['link', 'add', bridge, 'type', 'bridge']);
    await ip(['addr', 'add', `${hostAddress}/${prefix}`, 'dev', bridge]);
    await ip(['link', 'set', bridge, 'up']);
}

/** `org`'s namespace, eth0 on its address and the veth pair to the bridge; left as it is when there. */
async function ensureNamespace(org) {
    const namespace = namespaceName(org);
    if (!namespaceExists(namespace)) await ip(['netns', 'add', namespace]);
    const veth = hostSide(org);
    if (!linkExists(veth)) {
        await ip(['link', 'add', veth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', namespace]);
        await ip(['link', 'set', veth, 'master', bridge, 'up']);
        await ip(['-n', namespace, 'addr', 'add', `${org.address}/${prefix}`, 'dev', 'eth0']);
        await ip(['-n', namespace, 'link', 'set', 'eth0', 'up']);
        await ip(['-n', namespace, 'link', 'set', 'lo', 'up']);
    }
}

/** The bridge and the namespace of each of `organisations` (default: the orderers' and every member's). */
export async function ensureHosts(organisations = [topology.ordererOrg, ...topology.orgs]) {
    stage(
        `${STAGE}: bridge ${bridge} (${hostAddress}/${prefix}), ` +
            organisations.map((org) => `${namespaceName(org)} ${org.address}`).join(', '),
    );
    await ensureBridge();
    for (const org of organisations) await ensureNamespace(org);
}

/** Removes every organisation's namespace (its veth pair goes with it) and the bridge, those that exist. */
export async function removeHosts() {
    stage(`${STAGE}: removing the namespaces and bridge ${bridge}`);
    for (const org of [topology.ordererOrg, ...new Set([...topology.orgs, ...topology.joiningOrgs])]) {
        const namespace = namespaceName(org);
        if (namespaceExists(namespace)) await ip(['netns', 'delete', namespace]);
    }
    if (linkExists(bridge)) await ip(['link', 'delete', bridge]);
}
