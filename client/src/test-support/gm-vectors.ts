import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The known answers of GB/T 32905 (SM3), GB/T 32907 (SM4) and GM/T 0003.5 (SM2) the tests check. */
export interface GmVectors {
    sm3: { message_ascii: string; digest: string }[];
    sm4: { mode: string; key: string; plaintext: string; ciphertext: string }[];
    sm2_encryption: {
        private_key: string;
        public_key_uncompressed: string;
        message_ascii: string;
        k: string;
        c1_x: string;
        c1_y: string;
        c3: string;
        c2: string;
    };
    sm2_signature: {
        private_key: string;
        user_id_ascii: string;
        message_ascii: string;
        k: string;
        r: string;
        s: string;
    };
}

/** crypto/testdata/vectors/gm/standard-vectors.json; a missing file fails the suite, never skips it. */
export function gmVectors(): GmVectors {
    const file = join(__dirname, '..', 'crypto', 'testdata', 'vectors', 'gm', 'standard-vectors.json');
    if (!existsSync(file)) {
        throw new Error(`test vectors missing: ${file}`);
    }
    return JSON.parse(readFileSync(file, 'utf8')) as GmVectors;
}
