import {
    ciphertextDigestsOf,
    hashOf,
    isCiphertextDigestAlgorithm,
    isDigestAlgorithm,
    SUITE_CIPHERTEXT_DIGEST,
    SUITE_DIGEST,
} from './suites';

describe('ciphertext digest algorithms', () => {
    it('name a suite tree digest for new containers, and still the plain hash of version 1', () => {
        expect(SUITE_CIPHERTEXT_DIGEST).toEqual({ gm: 'sm3-tree', intl: 'sha256-tree' });
        expect(ciphertextDigestsOf('gm')).toEqual(['sm3-tree', 'sm3']);
        expect(ciphertextDigestsOf('intl')).toEqual(['sha256-tree', 'sha256']);
    });

    it('are built on the suite hash', () => {
        expect(hashOf('sha256-tree')).toBe('sha256');
        expect(hashOf('sha256')).toBe('sha256');
        expect(hashOf('sm3-tree')).toBe('sm3');
        expect(hashOf('sm3')).toBe('sm3');
        for (const suite of ['gm', 'intl'] as const) {
            expect(ciphertextDigestsOf(suite).map(hashOf)).toEqual([SUITE_DIGEST[suite], SUITE_DIGEST[suite]]);
        }
    });

    it('are told apart from hash names and from anything else', () => {
        expect(['sha256', 'sm3', 'sha256-tree', 'sm3-tree'].map(isCiphertextDigestAlgorithm)).toEqual([
            true,
            true,
            true,
            true,
        ]);
        expect(['SHA256', 'sha512', 'sm3-list', '', undefined, 7].map(isCiphertextDigestAlgorithm)).toEqual([
            false,
            false,
            false,
            false,
            false,
            false,
        ]);
        // A tree digest is not a hash function: HKDF, HMAC and drawings take only sha256 and sm3.
        expect(isDigestAlgorithm('sha256-tree')).toBe(false);
        expect(isDigestAlgorithm('sm3')).toBe(true);
    });
});
