import { Command, eitherCommand } from './command';
import { contractCommands as contract } from './contract-commands';
import { evidence } from './evidence-commands';
import { fileCommands } from './file-commands';
import { keyCommands } from './key-commands';
import { ledgerCommands as ledger } from './ledger-commands';
import { web } from './web-command';

const byName = (commands: Command[], name: string) => commands.find((c) => c.name === name) as Command;

/**
 * Every `sealpact` command, in the order `sealpact --help` lists them. `sign` and `verify` each
 * have a local form (detached signatures on files) and a ledger form, told apart by --file-id
 * and --party.
 */
export const commands: Command[] = [
    byName(keyCommands, 'keygen'),
    byName(keyCommands, 'seal'),
    byName(keyCommands, 'open'),
    ...fileCommands,
    eitherCommand('file-id', ledger.signContract, byName(keyCommands, 'sign')),
    eitherCommand('party', ledger.recordVerification, byName(keyCommands, 'verify')),
    ledger.register,
    ledger.party,
    ledger.unverify,
    ledger.send,
    ledger.inbox,
    ledger.get,
    ledger.commitmentKey,
    ledger.grant,
    ledger.revoke,
    contract.decline,
    contract.void,
    contract.expire,
    contract.contract,
    contract.contracts,
    ledger.audit,
    evidence,
    ledger.watch,
    ledger.gc,
    ledger.network,
    web,
];
