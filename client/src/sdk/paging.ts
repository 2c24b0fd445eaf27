import { Page } from '@sealpact/protocol';
import { Ledger } from './ledger';

/** Every page of a paged query, in order: `args` come before its page size and bookmark. */
export async function allPages<T>(ledger: Ledger, transaction: string, ...args: string[]): Promise<T[]> {
    const entries: T[] = [];
    let bookmark = '';
    do {
        const page = await ledger.query<Page<T>>(transaction, ...args, '100', bookmark);
        entries.push(...page.items);
        bookmark = page.bookmark;
    } while (bookmark !== '');
    return entries;
}
