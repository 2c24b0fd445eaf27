import { Stats } from 'node:fs';
import { ClientError } from '@sealpact/protocol';

/**
 * Refuse a file or folder that decides what Sealpact trusts (a config file, a keyring folder)
 * when another user owns it or its group or others may write it, as git's safe.directory and ssh
 * do: whoever can change it can redirect the peer endpoint, the TLS CA and the store, or plant
 * keys. Skipped where files have no POSIX owner (Windows).
 *
 * @throws SealpactError UNSAFE_PERMISSIONS naming the path and what to change
 */
export function refuseUnsafe(stats: Stats, path: string, what: string): void {
    const uid = process.getuid?.();
    if (uid === undefined) {
        return;
    }
    if (stats.uid !== uid) {
        throw new ClientError(
            'UNSAFE_PERMISSIONS',
            `${what} ${path} belongs to uid ${stats.uid}, not to you (uid ${uid}); refusing to use it`,
        );
    }
    if ((stats.mode & 0o022) !== 0) {
        const mode = (stats.mode & 0o777).toString(8).padStart(4, '0');
        throw new ClientError(
            'UNSAFE_PERMISSIONS',
            `${what} ${path} is writable by other users (mode ${mode}); refusing to use it (chmod go-w ${path})`,
        );
    }
}
