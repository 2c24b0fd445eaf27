// fabric-contract-api's own logger registry (not in its typings): shim-logging.ts quiets its loggers.
declare module 'fabric-contract-api/lib/logger' {
    export function getLogger(name: string): { isLevelEnabled(level: string): boolean };
}
