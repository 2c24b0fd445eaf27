import { Page } from './records';

/**
 * What reading the ledger's queries needs of a connection: the SDK's Ledger and the browser's
 * gateway session both answer it.
 */
export interface Queries {
    /** Evaluate `transaction(args)` and parse its JSON answer. */
    query<T>(transaction: string, ...args: string[]): Promise<T>;
}

/** Every page of a paged query, in order: `args` come before its page size and bookmark. */
export async function allPages<T>(ledger: Queries, transaction: string, ...args: string[]): Promise<T[]> {
    const entries: T[] = [];
    let bookmark = '';
    do {
        const page = await ledger.query<Page<T>>(transaction, ...args, '100', bookmark);
        entries.push(...page.items);
        bookmark = page.bookmark;
    } while (bookmark !== '');
    return entries;
}
