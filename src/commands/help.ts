// Redis's shared replies for container commands (addReplyHelp,
// addReplySubcommandSyntaxError), used by every family with subcommands.

import type { ReplyWriter } from '../proto/reply_writer.ts';

/** `<CONTAINER> HELP`: the usage line, the subcommand lines, then HELP itself. */
export function helpReply(out: ReplyWriter, container: string, lines: string[]): void {
  out.array(lines.length + 3);
  out.simple(`${container} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:`);
  for (const l of lines) out.simple(l);
  out.simple('HELP');
  out.simple('    Prints this help.');
}

/** The error text for an unknown subcommand or a wrong argument count. */
export function subcommandSyntaxErrorText(container: string, sub: string): string {
  return `ERR unknown subcommand or wrong number of arguments for '${sub.length > 128 ? sub.slice(0, 128) : sub}'. Try ${container} HELP.`;
}

export function subcommandSyntaxError(out: ReplyWriter, container: string, sub: string): void {
  out.error(subcommandSyntaxErrorText(container, sub));
}
