import { Command } from './command';
import { fileCommands } from './file-commands';
import { keyCommands } from './key-commands';

/** Every `sealpact` command, in the order `sealpact --help` lists them. */
export const commands: Command[] = [...keyCommands, ...fileCommands];
