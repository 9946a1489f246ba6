// Shorthand for declaring table entries in the family files.

import type { CommandSpec, CrossHandler, Handler, Route } from './types.ts';

export interface Decl {
  arity: number;
  flags?: string[];
  /** [first, last, step] key positions; omit for keyless. */
  keys?: [number, number, number];
  getKeys?: (argv: string[]) => number[];
  acl?: string[];
  group: string;
  summary: string;
  since: string;
  complexity?: string;
  args?: unknown[];
  route?: Route;
  handler?: Handler;
  cross?: CrossHandler;
  split?: CommandSpec['split'];
  subcommands?: CommandSpec[];
  keepsState?: true;
}

const noHandler: Handler = (c) => c.out.error('ERR this command runs through its coordinator');

export function def(name: string, d: Decl): CommandSpec {
  const keys = d.keys !== undefined ? { first: d.keys[0], last: d.keys[1], step: d.keys[2] } : { first: 0, last: 0, step: 0 };
  let subcommands: Map<string, CommandSpec> | undefined;
  if (d.subcommands !== undefined) {
    subcommands = new Map();
    for (const s of d.subcommands) subcommands.set(s.name, s);
  }
  return {
    name,
    arity: d.arity,
    flags: d.flags ?? [],
    keys,
    getKeys: d.getKeys,
    acl: d.acl ?? [],
    group: d.group,
    summary: d.summary,
    since: d.since,
    complexity: d.complexity,
    args: d.args,
    route: d.route ?? (d.keys !== undefined || d.getKeys !== undefined ? 'keys' : 'local'),
    handler: d.handler ?? noHandler,
    cross: d.cross,
    split: d.split,
    subcommands,
    keepsState: d.keepsState,
  };
}
