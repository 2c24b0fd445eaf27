import { createVerify, randomBytes, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { webLoginStatement, WebError } from '@sealpact/protocol';

/**
 * Who is signed in at the web gateway. A browser proves its Fabric identity by signing a one-time
 * challenge with the identity's private key (which never leaves the browser); the gateway checks
 * that the certificate was issued by that organisation's CA (the channel's trust anchors) and is
 * valid now, and that the signature verifies with it. The session then names that identity: its
 * ledger requests are built with it as creator (and still need the browser's signature), its blob
 * and event requests are allowed.
 */

/** A challenge is answered within this time, once. */
const CHALLENGE_MS = 2 * 60_000;
/** A session lasts this long from sign-in. */
const SESSION_MS = 8 * 60 * 60_000;
/** Unanswered challenges kept at most, so that anonymous callers cannot fill memory. */
const MAX_CHALLENGES = 10_000;

export interface Session {
    readonly id: string;
    readonly mspId: string;
    /** The identity's certificate, PEM. */
    readonly certificate: string;
    /** `<MSP ID>/<CN>`, as the chaincode names the party. */
    readonly partyId: string;
    readonly expiresAt: number;
}

export interface Login {
    mspId: string;
    certificate: string;
    challenge: string;
    /** DER ECDSA signature (SHA-256) of webLoginStatement(gateway, challenge), base64. */
    signature: string;
}

function badLogin(message: string): WebError {
    return new WebError('BAD_LOGIN', message);
}

export class Sessions {
    private readonly challenges = new Map<string, number>();
    private readonly sessions = new Map<string, Session>();

    /**
     * @param trustAnchorsDir the folder of `<MSP ID>.pem` CA certificates (network:up writes it)
     * @param gateway this gateway's origin, which every sign-in statement names
     */
    constructor(
        private readonly trustAnchorsDir: string,
        private readonly gateway: string,
        private readonly onEnd: (session: Session) => void,
    ) {}

    /** A fresh one-time challenge. */
    challenge(): string {
        this.sweep();
        if (this.challenges.size >= MAX_CHALLENGES) {
            throw new WebError('BAD_LOGIN', 'too many sign-ins in progress; try again in a minute');
        }
        const challenge = randomBytes(32).toString('base64url');
        this.challenges.set(challenge, Date.now() + CHALLENGE_MS);
        return challenge;
    }

    /** Check a sign-in and open a session; BAD_LOGIN says which check failed. */
    login(login: Login): Session {
        const expires = this.challenges.get(login.challenge);
        this.challenges.delete(login.challenge);
        if (expires === undefined || expires < Date.now()) {
            throw badLogin('the challenge is unknown, used or expired; ask for a new one');
        }
        const certificate = this.issuedCertificate(login.mspId, login.certificate);
        const statement = webLoginStatement(this.gateway, login.challenge);
        const signature = Buffer.from(login.signature, 'base64');
        if (!createVerify('sha256').update(statement).verify(certificate.publicKey, signature)) {
            throw badLogin('the signature does not verify with the certificate');
        }
        const commonName = /^CN=(.+)$/m.exec(certificate.subject)?.[1];
        if (commonName === undefined) {
            throw badLogin('the certificate has no common name');
        }
        const session: Session = {
            id: randomBytes(32).toString('base64url'),
            mspId: login.mspId,
            certificate: login.certificate,
            partyId: `${login.mspId}/${commonName}`,
            expiresAt: Date.now() + SESSION_MS,
        };
        this.sessions.set(session.id, session);
        return session;
    }

    /** The live session with this id; NOT_SIGNED_IN otherwise. */
    get(id: string | undefined): Session {
        const session = id === undefined ? undefined : this.sessions.get(id);
        if (session === undefined || session.expiresAt < Date.now()) {
            if (session !== undefined) this.end(session.id);
            throw new WebError('NOT_SIGNED_IN', 'sign in with your Fabric identity first');
        }
        return session;
    }

    end(id: string): void {
        const session = this.sessions.get(id);
        if (session !== undefined) {
            this.sessions.delete(id);
            this.onEnd(session);
        }
    }

    endAll(): void {
        for (const id of [...this.sessions.keys()]) this.end(id);
    }

    /** The certificate, when a CA of the organisation issued it and it is valid now. */
    private issuedCertificate(mspId: string, pem: string): X509Certificate {
        if (!/^[A-Za-z0-9.-]+$/.test(mspId)) {
            throw badLogin('the MSP ID is malformed');
        }
        let certificate: X509Certificate;
        try {
            certificate = new X509Certificate(pem);
        } catch {
            throw badLogin('the certificate is not a PEM X.509 certificate');
        }
        const now = new Date();
        if (now < new Date(certificate.validFrom) || now > new Date(certificate.validTo)) {
            throw badLogin('the certificate is not valid now');
        }
        const issued = this.authorities(mspId).some(
            (ca) => certificate.checkIssued(ca) && certificate.verify(ca.publicKey),
        );
        if (!issued) {
            throw badLogin(`the certificate was not issued by a CA of ${mspId}`);
        }
        return certificate;
    }

    private authorities(mspId: string): X509Certificate[] {
        let text: string;
        try {
            text = readFileSync(join(this.trustAnchorsDir, `${mspId}.pem`), 'utf8');
        } catch {
            throw badLogin(`${mspId} is not an organisation of this channel`);
        }
        const blocks = text.match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g) ?? [];
        return blocks.map((block) => new X509Certificate(block));
    }

    private sweep(): void {
        const now = Date.now();
        for (const [challenge, expires] of this.challenges) {
            if (expires < now) this.challenges.delete(challenge);
        }
        for (const session of [...this.sessions.values()]) {
            if (session.expiresAt < now) this.end(session.id);
        }
    }
}
