import { Context } from 'fabric-contract-api';
import { ChaincodeError, Page } from '@sealpact/protocol';
import { KeyType, stateKey } from './state';
import * as validate from './validate';

/**
 * One page of the records under a partial composite key, in key order. `pageSizeArg` is 1..100;
 * `bookmarkArg` is "" for the first page, then the bookmark returned (base64url of the next key),
 * which must come from the same list. The returned bookmark is "" after the last page.
 */
export async function readPage<T>(
    ctx: Context,
    type: KeyType,
    attributes: string[],
    pageSizeArg: string,
    bookmarkArg: string,
): Promise<Page<T>> {
    const pageSize = validate.pageSize(pageSizeArg);
    const bookmark = Buffer.from(
        validate.bounded(bookmarkArg, 'bookmark', validate.LIMITS.bookmark),
        'base64url',
    ).toString('utf8');
    if (bookmark !== '' && !bookmark.startsWith(stateKey(ctx, type, ...attributes))) {
        throw new ChaincodeError('BAD_ARGUMENT', 'the bookmark does not come from this list');
    }
    const { iterator, metadata } = await ctx.stub.getStateByPartialCompositeKeyWithPagination(
        type,
        attributes,
        pageSize,
        bookmark,
    );
    const items: T[] = [];
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
        items.push(JSON.parse(Buffer.from(next.value.value).toString('utf8')) as T);
    }
    await iterator.close();
    // fabric-shim gives no metadata when the peer found nothing past the bookmark: the last page.
    const next = (metadata as typeof metadata | undefined)?.bookmark ?? '';
    return { items, bookmark: Buffer.from(next, 'utf8').toString('base64url') };
}
