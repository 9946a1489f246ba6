// TEMPORARY STUB (lead) - replaced by the real config module.
const DEFAULTS: Record<string, string> = { port: '6379', bind: '* -::*', 'server-threads': '1', databases: '16', requirepass: '', timeout: '0', 'tcp-keepalive': '300', maxclients: '10000', loglevel: 'notice', logfile: '', 'log-format': 'redis', hz: '10', 'active-expire-effort': '1', 'tcp-backlog': '511', unixsocket: '', unixsocketperm: '0', dir: '', pidfile: '' };
export class ConfigFileError extends Error {}
export class Config {
  v: Record<string, string>; configFile: string | undefined;
  constructor(v: Record<string, string>, f?: string) { this.v = v; this.configFile = f; }
  static fromSnapshot(s: Record<string, string>, f?: string) { return new Config({ ...s }, f); }
  snapshot() { return { ...this.v }; }
  get(n: string) { return this.v[n]; }
  num(n: string) { return Number(this.v[n]); }
  str(n: string) { return this.v[n] ?? ''; }
  bool(n: string) { return this.v[n] === 'yes'; }
  list(n: string) { return this.v[n].split(' ').filter(Boolean); }
  set(_p: [string, string][]): string | null { return null; }
  rewrite(): string | null { return null; }
  applySnapshotValues(c: Record<string, string>) { Object.assign(this.v, c); }
  unsupportedWarnings(): string[] { return []; }
}
export function loadConfig(_f: string | undefined, argv: string[]): Config {
  const v = { ...DEFAULTS };
  for (let i = 0; i < argv.length; i += 2) v[argv[i].slice(2)] = argv[i + 1];
  return new Config(v, _f);
}
