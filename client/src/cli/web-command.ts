import { once } from 'node:events';
import { join, resolve } from 'node:path';
import { UsageError } from '@sealpact/protocol';
import { loadProfile } from '../sdk/profile';
import { openStore } from '../store/open-store';
import { startWebGateway } from '../web/gateway';
import { Command } from './command';
import { REPO_ROOT } from './session';

/** `sealpact web`: the web gateway of docs/web.md, until the process is told to stop. */
export const web: Command = {
    name: 'web',
    summary: 'serve the web app and its gateway (keys and plaintext stay in the browser) until Ctrl-C',
    options: {
        port: { type: 'integer', min: 0, max: 65_535, description: 'TCP port (default 8080; 0 picks a free one)' },
        host: { type: 'string', description: 'address to listen on (default 127.0.0.1)' },
        'operations-port': {
            type: 'integer',
            min: 0,
            max: 65_535,
            description: 'also serve /healthz and /metrics on this port of --host, for monitoring (default none)',
        },
        profile: {
            type: 'string',
            description: "connection profile (or SEALPACT_PROFILE; default the local network's)",
        },
        store: {
            type: 'string',
            description: "blob store URI (or SEALPACT_STORE; default the local network's fs store)",
        },
        'trust-anchors': {
            type: 'string',
            description:
                "folder of the channel's <MSPID>.pem CA certificates sign-ins are checked against (default the profile's)",
        },
    },
    async run(options) {
        const profilePath =
            (options.profile as string | undefined) ??
            process.env.SEALPACT_PROFILE ??
            join(REPO_ROOT, 'network', '.data', 'connection.json');
        const profile = loadProfile(profilePath);
        const trustAnchorsDir = (options['trust-anchors'] as string | undefined) ?? profile.trustAnchors;
        if (typeof trustAnchorsDir !== 'string') {
            throw new UsageError('USAGE', 'the web gateway needs a folder of CA certificates: --trust-anchors');
        }
        const store = openStore(
            (options.store as string | undefined) ??
                process.env.SEALPACT_STORE ??
                `fs://${join(REPO_ROOT, 'network', '.data', 'blobs')}`,
        );
        const gateway = await startWebGateway({
            profile,
            trustAnchorsDir,
            store,
            appDir: resolve(REPO_ROOT, 'web', 'dist'),
            port: (options.port as number | undefined) ?? 8080,
            host: options.host as string | undefined,
            operationsPort: options['operations-port'] as number | undefined,
            log: (line) => process.stderr.write(`${new Date().toISOString()} ${line}\n`),
        });
        process.stdout.write(`Sealpact web app: open ${gateway.url}\n`);
        // What a first-time user signs in with: the MSP folder of one of the profile's users.
        const user = Object.values(profile.orgs)
            .flatMap((org) => Object.values(org.identities))
            .find((identity) => identity.role === 'client' && identity.msp !== undefined);
        if (user?.msp !== undefined) {
            process.stdout.write(`sign in with your MSP folder, such as ${user.msp}\n`);
        }
        if (gateway.operationsUrl) process.stdout.write(`health and metrics: ${gateway.operationsUrl}\n`);
        await Promise.race([once(process, 'SIGINT'), once(process, 'SIGTERM')]);
        await gateway.close();
        return { json: { url: gateway.url }, text: 'stopped' };
    },
};
