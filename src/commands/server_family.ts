// Server commands (INFO, COMMAND, CONFIG, DEBUG, TIME, ...).

import type { CommandSpec } from './types.ts';

export const serverCommands: CommandSpec[] = [];
