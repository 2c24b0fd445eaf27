import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { encodings, findLeaks, privateKeySecrets } from './leak-scan';

/** The web app's confidentiality check must find a leak in every form it could take. */

const secret = { name: 'the file password', bytes: randomBytes(32) };
const noise = (n: number) => randomBytes(n);
const scan = (record: Buffer | string) => findLeaks(new Map([['the record', Buffer.from(record)]]), [secret]);

describe('the leak scanner', () => {
    it('finds nothing in traffic that holds no secret', () => {
        expect(scan(noise(1 << 20))).toEqual([]);
    });

    it('finds a secret raw and in hex of either case', () => {
        const hex = Buffer.from(secret.bytes).toString('hex');
        expect(scan(Buffer.concat([noise(1000), secret.bytes, noise(1000)]))).toEqual([
            'the file password as raw in the record',
        ]);
        expect(scan(`{"password":"${hex}"}`)).toEqual(['the file password as hex in the record']);
        expect(scan(`X-Key: ${hex.toUpperCase()}\r\n`)).toEqual(['the file password as HEX in the record']);
    });

    it('finds a secret base64 or base64url encoded inside a longer run, at every alignment', () => {
        for (const alphabet of ['base64', 'base64url'] as const) {
            for (const offset of [0, 1, 2]) {
                const record = `data: ${Buffer.concat([noise(30 + offset), secret.bytes, noise(7)]).toString(alphabet)}\n\n`;
                // A base64url text without '-' or '_' is base64 too: both are reported then.
                expect(scan(record)).toContain(`the file password as ${alphabet} at offset ${offset} in the record`);
            }
        }
    });

    it('finds a private key as PEM (wrapped, even JSON-escaped), DER, or its bare scalar', () => {
        const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
        const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
        const keys = privateKeySecrets("alice's Fabric key", pem);
        const der = privateKey.export({ format: 'der', type: 'pkcs8' });
        const d = Buffer.from(privateKey.export({ format: 'jwk' }).d ?? '', 'base64url');
        const found = (record: Buffer | string) => findLeaks(new Map([['a log', Buffer.from(record)]]), keys);
        expect(found(pem)).toContain("alice's Fabric key (PKCS#8) as base64 at offset 0 in a log");
        expect(found(JSON.stringify({ key: pem }))).toContain(
            "alice's Fabric key (PKCS#8) as base64 at offset 0 in a log",
        );
        expect(found(Buffer.concat([noise(5), der]))).toContain("alice's Fabric key (PKCS#8) as raw in a log");
        expect(found(d.toString('hex'))).toEqual(["alice's Fabric key (private scalar) as hex in a log"]);
    });

    it('refuses to scan for a secret short enough to match by chance', () => {
        expect(() => encodings(randomBytes(8))).toThrow('a secret of 8 bytes is too short to scan for');
    });
});
