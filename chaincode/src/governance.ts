import { Context } from 'fabric-contract-api';
import { Caller } from './identity';
import { canonicalJson, ChaincodeError, GovernanceRecord, parseJsonArgument } from '@sealpact/protocol';
import { KEY_TYPES, readRecord, recordTime, stateKey, writeRecord } from './state';
import * as validate from './validate';

/**
 * Which organisations govern the chaincode, verify identities and audit.
 *
 * Rule: the first SetGovernance must be exactly the bootstrap document every organisation's
 * chaincode server is started with (environment variable SEALPACT_GOVERNANCE), submitted by an
 * admin (NodeOU `admin`) of a governing MSP it names. Each endorsing peer's chaincode checks it
 * against its own server's bootstrap, so under the MAJORITY endorsement policy one member alone
 * cannot seize the first governance. From then on only an admin of a current governing MSP may
 * change it.
 */

const LIST_NAMES = ['authorityMsps', 'auditorMsps', 'governingMsps'] as const;
type GovernanceLists = Pick<GovernanceRecord, (typeof LIST_NAMES)[number]>;

/** The environment variable holding the bootstrap governance document. */
export const BOOTSTRAP_VARIABLE = 'SEALPACT_GOVERNANCE';

function governanceKey(ctx: Context): string {
    return stateKey(ctx, KEY_TYPES.governance);
}

/** The governance record; throws NOT_INITIALISED before the first SetGovernance. */
export async function getGovernance(ctx: Context): Promise<GovernanceRecord> {
    const record = await readRecord<GovernanceRecord>(ctx, governanceKey(ctx));
    if (!record) {
        throw new ChaincodeError('NOT_INITIALISED', 'the governance has not been set (SetGovernance)');
    }
    return record;
}

export async function setGovernance(ctx: Context, caller: Caller, json: string): Promise<GovernanceRecord> {
    const lists = parseGovernance(json);
    const current = await readRecord<GovernanceRecord>(ctx, governanceKey(ctx));
    const governing = current ? current.governingMsps : lists.governingMsps;
    if (!caller.isAdmin || !governing.includes(caller.mspId)) {
        throw new ChaincodeError(
            'ACCESS_DENIED',
            `only an admin (OU=admin) of ${governing.join(', ')} may set the governance${current ? '' : ' the first time'}`,
        );
    }
    if (!current && canonicalJson(lists) !== canonicalJson(bootstrapGovernance())) {
        throw new ChaincodeError(
            'GOVERNANCE_MISMATCH',
            `the first governance must be the bootstrap document this chaincode server was started with (${BOOTSTRAP_VARIABLE})`,
        );
    }
    const record: GovernanceRecord = {
        schema: 'sealpact/governance/v1',
        ...lists,
        revision: (current?.revision ?? 0) + 1,
        updatedAt: recordTime(ctx, current?.updatedAt),
        updatedBy: caller.partyId,
        txId: ctx.stub.getTxID(),
    };
    await writeRecord(ctx, governanceKey(ctx), record);
    return record;
}

/** The bootstrap document of this chaincode server; throws NOT_CONFIGURED when it is missing or invalid. */
function bootstrapGovernance(): GovernanceLists {
    const value = process.env[BOOTSTRAP_VARIABLE];
    if (!value) {
        throw new ChaincodeError(
            'NOT_CONFIGURED',
            `the chaincode server was started without ${BOOTSTRAP_VARIABLE}, so the first governance cannot be set`,
        );
    }
    try {
        return parseGovernance(value);
    } catch (err) {
        throw new ChaincodeError(
            'NOT_CONFIGURED',
            `the chaincode server's ${BOOTSTRAP_VARIABLE} is not a governance document (${(err as Error).message})`,
        );
    }
}

function parseGovernance(json: string): GovernanceLists {
    const value = parseJsonArgument(json, 'governance', validate.LIMITS.governanceJson);
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        throw new ChaincodeError('BAD_JSON', 'governance must be a JSON object');
    }
    const object = value as Record<string, unknown>;
    if (Object.keys(object).sort().join(',') !== [...LIST_NAMES].sort().join(',')) {
        throw new ChaincodeError('BAD_JSON', `governance must have exactly the members ${LIST_NAMES.join(', ')}`);
    }
    const mspList = (name: (typeof LIST_NAMES)[number]): string[] => {
        const list = validate.array(object[name], name, validate.LIMITS.mspList).map((id) => {
            if (typeof id !== 'string') {
                throw new ChaincodeError('BAD_JSON', `${name} must list MSP IDs as strings`);
            }
            return validate.mspId(id);
        });
        return [...new Set(list)].sort();
    };
    const lists = {
        authorityMsps: mspList('authorityMsps'),
        auditorMsps: mspList('auditorMsps'),
        governingMsps: mspList('governingMsps'),
    };
    if (lists.governingMsps.length === 0) {
        throw new ChaincodeError('BAD_ARGUMENT', 'governingMsps must name at least one MSP');
    }
    return lists;
}

/** Throws WRONG_ORG unless the caller belongs to an identity-authority organisation. */
export async function requireAuthority(ctx: Context, caller: Caller): Promise<void> {
    const governance = await getGovernance(ctx);
    if (!governance.authorityMsps.includes(caller.mspId)) {
        throw new ChaincodeError('WRONG_ORG', `${caller.mspId} is not an identity-authority organisation`);
    }
}

/** True when the caller belongs to an auditor organisation (false before governance is set). */
export async function isAuditor(ctx: Context, caller: Caller): Promise<boolean> {
    const record = await readRecord<GovernanceRecord>(ctx, governanceKey(ctx));
    return record !== undefined && record.auditorMsps.includes(caller.mspId);
}

/** Throws WRONG_ORG unless the caller belongs to an auditor organisation. */
export async function requireAuditor(ctx: Context, caller: Caller): Promise<void> {
    if (!(await isAuditor(ctx, caller))) {
        throw new ChaincodeError('WRONG_ORG', `${caller.mspId} is not an auditor organisation`);
    }
}
