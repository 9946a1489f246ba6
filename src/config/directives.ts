// The one table of configuration directives: every directive of Redis 7.0's
// redis.conf (as served by redis-server 7.0.15) plus KeyDB 6.3's own ones.
//
// Each entry says how a value is parsed and validated (type, bounds, enum values),
// its default (in the canonical form CONFIG GET prints), whether CONFIG SET may change
// it, and `feature`: null when this server implements what the directive controls,
// otherwise a short name of the missing feature, used for start-up warnings.
//
// The table is a plain literal so it loads fast; lookups go through `findDirective`.

const INT_MIN = -(2n ** 31n);
const INT_MAX = 2n ** 31n - 1n;
const UINT_MAX = 2n ** 32n - 1n;
const LONG_MAX = 2n ** 63n - 1n;
const LLONG_MAX = LONG_MAX;
const ULLONG_MAX = 2n ** 64n - 1n;
const SSIZE_MAX = LONG_MAX;
const MB = 1024n * 1024n;
const GB = 1024n * 1024n * 1024n;

/** The C type Redis stores a numeric config in; decides signed or unsigned bound checks. */
export type CType =
  | 'int'
  | 'uint'
  | 'long'
  | 'ulong'
  | 'longlong'
  | 'ulonglong'
  | 'size_t'
  | 'ssize_t'
  | 'time_t'
  | 'off_t';

/** Extra validation applied to string directives, named after what they check. */
export type StringCheck = 'dbfilename' | 'appendfilename' | 'appenddirname' | 'hostname' | 'proc-title-template';

interface DirectiveBase {
  name: string;
  /** Other names accepted for this directive (e.g. the old "slave" spellings). */
  aliases?: string[];
  /** Default value, exactly as CONFIG GET prints it. */
  default: string;
  /** CONFIG SET refuses it ("can't set immutable config"). */
  immutable?: true;
  /** CONFIG SET refuses it unless enable-protected-configs allows it. */
  protected?: true;
  /** Value is redacted from SLOWLOG / MONITOR / logs. */
  sensitive?: true;
  /** Not listed by CONFIG GET patterns; only an exact name returns it. */
  hidden?: true;
  /** Redis DEBUG_CONFIG: printed by DEBUG CONFIG-REWRITE-FORCE-ALL style dumps. */
  debug?: true;
  /** CONFIG SET is refused while a dataset is loading. */
  denyLoading?: true;
  /** Takes several arguments on a config line; CONFIG SET splits its value on spaces. */
  multiArg?: true;
  /** Directive that exists in KeyDB but not in Redis. */
  keydb?: true;
  /** This server's own directive (neither Redis's nor KeyDB's). */
  ours?: true;
  /** null: implemented by this server; otherwise the missing feature's name. */
  feature: string | null;
}

export interface BoolDirective extends DirectiveBase {
  type: 'bool';
  /** KeyDB-only booleans also accept true/false, as KeyDB does. */
  trueFalse?: true;
  /** Setting it to yes is refused with this error (a capability this build lacks). */
  yesError?: string;
}

export interface NumericDirective extends DirectiveBase {
  type: 'numeric';
  ctype: CType;
  min: bigint;
  max: bigint;
  /** memory: accepts 1k/1kb/1mb/1gb; memory-percent: also N%; octal: base 8. */
  unit?: 'memory' | 'memory-percent' | 'octal';
  /** Replace every parse/bounds error with this text (KeyDB-style directives). */
  error?: string;
}

export interface EnumDirective extends DirectiveBase {
  type: 'enum';
  /** [name, value] pairs in Redis's order; names sharing a value are synonyms. */
  values: readonly (readonly [string, number])[];
  /** Bit-flag enum: several names may be given and are OR-ed together. */
  flags?: true;
}

export interface StringDirective extends DirectiveBase {
  type: 'string';
  /** Redis EMPTY_STRING_IS_NULL: "" means unset, and CONFIG REWRITE drops the line. */
  emptyIsNull?: true;
  check?: StringCheck;
}

/** Directives with their own parser (save, bind, client-output-buffer-limit, ...). */
export interface SpecialDirective extends DirectiveBase {
  type: 'special';
}

export type Directive = BoolDirective | NumericDirective | EnumDirective | StringDirective | SpecialDirective;

const PROTECTED_ACTION = [['no', 0], ['yes', 1], ['local', 2]] as const;
const YES_NO_OPTIONAL = [['no', 0], ['yes', 1], ['optional', 2]] as const;
const SHUTDOWN_ON_SIGNAL = [['default', 0], ['save', 1], ['nosave', 2], ['now', 4], ['force', 8]] as const;

const RDB = 'persistence (RDB)';
const AOF = 'AOF persistence';
const REPL = 'replication';
const ACTIVE_REPL = 'active replication';
const CLUSTER = 'cluster';
const TLS = 'TLS';
const ACL = 'ACL';
const DEFRAG = 'active defragmentation';
const EVICTION = 'eviction policies';
const FLASH = 'FLASH storage';
const BALANCING = 'client balancing';
const CPU_AFFINITY = 'CPU affinity';
const CRASH = 'crash reporting';
const SYSLOG = 'syslog';
const PROC_TITLE = 'process title';
const SHUTDOWN = 'shutdown options';
const OOM = 'OOM score adjustment';

export const DIRECTIVES: readonly Directive[] = [
  // ---- booleans (Redis) ----
  { name: 'rdbchecksum', type: 'bool', default: 'yes', immutable: true, feature: RDB },
  { name: 'daemonize', type: 'bool', default: 'no', immutable: true, feature: 'daemonize' },
  { name: 'io-threads-do-reads', type: 'bool', default: 'no', immutable: true, debug: true, feature: null },
  { name: 'always-show-logo', type: 'bool', default: 'no', immutable: true, feature: 'the ASCII logo' },
  { name: 'protected-mode', type: 'bool', default: 'yes', feature: null },
  { name: 'rdbcompression', type: 'bool', default: 'yes', feature: RDB },
  { name: 'rdb-del-sync-files', type: 'bool', default: 'no', feature: RDB },
  { name: 'activerehashing', type: 'bool', default: 'yes', feature: 'active rehashing' },
  { name: 'stop-writes-on-bgsave-error', type: 'bool', default: 'yes', feature: RDB },
  { name: 'set-proc-title', type: 'bool', default: 'yes', immutable: true, feature: PROC_TITLE },
  { name: 'dynamic-hz', type: 'bool', default: 'yes', feature: null },
  { name: 'lazyfree-lazy-eviction', type: 'bool', default: 'no', debug: true, feature: null },
  { name: 'lazyfree-lazy-expire', type: 'bool', default: 'no', debug: true, feature: null },
  { name: 'lazyfree-lazy-server-del', type: 'bool', default: 'no', debug: true, feature: null },
  { name: 'lazyfree-lazy-user-del', type: 'bool', default: 'no', debug: true, feature: null },
  { name: 'lazyfree-lazy-user-flush', type: 'bool', default: 'no', debug: true, feature: null },
  { name: 'repl-disable-tcp-nodelay', type: 'bool', default: 'no', feature: REPL },
  { name: 'repl-diskless-sync', type: 'bool', default: 'yes', debug: true, feature: REPL },
  { name: 'aof-rewrite-incremental-fsync', type: 'bool', default: 'yes', feature: AOF },
  { name: 'no-appendfsync-on-rewrite', type: 'bool', default: 'no', feature: AOF },
  { name: 'cluster-require-full-coverage', type: 'bool', default: 'yes', feature: CLUSTER },
  { name: 'rdb-save-incremental-fsync', type: 'bool', default: 'yes', feature: RDB },
  { name: 'aof-load-truncated', type: 'bool', default: 'yes', feature: AOF },
  { name: 'aof-use-rdb-preamble', type: 'bool', default: 'yes', feature: AOF },
  { name: 'aof-timestamp-enabled', type: 'bool', default: 'no', feature: AOF },
  { name: 'cluster-replica-no-failover', aliases: ['cluster-slave-no-failover'], type: 'bool', default: 'no', feature: CLUSTER },
  { name: 'replica-lazy-flush', aliases: ['slave-lazy-flush'], type: 'bool', default: 'no', feature: REPL },
  { name: 'replica-serve-stale-data', aliases: ['slave-serve-stale-data'], type: 'bool', default: 'yes', feature: REPL },
  { name: 'replica-read-only', aliases: ['slave-read-only'], type: 'bool', default: 'yes', debug: true, feature: REPL },
  { name: 'replica-ignore-maxmemory', aliases: ['slave-ignore-maxmemory'], type: 'bool', default: 'yes', feature: REPL },
  { name: 'jemalloc-bg-thread', type: 'bool', default: 'yes', feature: 'jemalloc' },
  // Like Debian's redis-server (built against the system jemalloc), defrag cannot be enabled.
  {
    name: 'activedefrag', type: 'bool', default: 'no', debug: true, feature: DEFRAG,
    yesError: 'Active defragmentation cannot be enabled: it requires a Redis server compiled with a modified Jemalloc like the one shipped by default with the Redis source distribution',
  },
  { name: 'syslog-enabled', type: 'bool', default: 'no', immutable: true, feature: SYSLOG },
  { name: 'cluster-enabled', type: 'bool', default: 'no', immutable: true, feature: CLUSTER },
  { name: 'appendonly', type: 'bool', default: 'no', denyLoading: true, feature: AOF },
  { name: 'cluster-allow-reads-when-down', type: 'bool', default: 'no', feature: CLUSTER },
  { name: 'cluster-allow-pubsubshard-when-down', type: 'bool', default: 'yes', feature: CLUSTER },
  { name: 'crash-log-enabled', type: 'bool', default: 'yes', feature: CRASH },
  { name: 'crash-memcheck-enabled', type: 'bool', default: 'yes', feature: CRASH },
  { name: 'use-exit-on-panic', type: 'bool', default: 'no', hidden: true, feature: CRASH },
  { name: 'disable-thp', type: 'bool', default: 'yes', immutable: true, feature: 'transparent huge page control' },
  { name: 'cluster-allow-replica-migration', type: 'bool', default: 'yes', feature: CLUSTER },
  { name: 'replica-announced', type: 'bool', default: 'yes', feature: REPL },
  { name: 'latency-tracking', type: 'bool', default: 'yes', feature: 'latency tracking' },
  { name: 'aof-disable-auto-gc', type: 'bool', default: 'no', feature: AOF },
  { name: 'replica-ignore-disk-write-errors', type: 'bool', default: 'no', feature: REPL },

  // ---- strings (Redis) ----
  { name: 'aclfile', type: 'string', default: '', immutable: true, feature: ACL },
  { name: 'unixsocket', type: 'string', default: '', emptyIsNull: true, immutable: true, feature: null },
  { name: 'pidfile', type: 'string', default: '', emptyIsNull: true, immutable: true, feature: null },
  { name: 'replica-announce-ip', aliases: ['slave-announce-ip'], type: 'string', default: '', emptyIsNull: true, feature: REPL },
  { name: 'masteruser', type: 'string', default: '', emptyIsNull: true, sensitive: true, feature: REPL },
  { name: 'cluster-announce-ip', type: 'string', default: '', emptyIsNull: true, feature: CLUSTER },
  { name: 'cluster-config-file', type: 'string', default: 'nodes.conf', immutable: true, feature: CLUSTER },
  { name: 'cluster-announce-hostname', type: 'string', default: '', emptyIsNull: true, check: 'hostname', feature: CLUSTER },
  { name: 'syslog-ident', type: 'string', default: 'redis', immutable: true, feature: SYSLOG },
  { name: 'dbfilename', type: 'string', default: 'dump.rdb', protected: true, check: 'dbfilename', feature: RDB },
  { name: 'appendfilename', type: 'string', default: 'appendonly.aof', immutable: true, check: 'appendfilename', feature: AOF },
  { name: 'appenddirname', type: 'string', default: 'appendonlydir', immutable: true, check: 'appenddirname', feature: AOF },
  { name: 'server_cpulist', type: 'string', default: '', emptyIsNull: true, immutable: true, feature: CPU_AFFINITY },
  { name: 'bio_cpulist', type: 'string', default: '', emptyIsNull: true, immutable: true, feature: CPU_AFFINITY },
  { name: 'aof_rewrite_cpulist', type: 'string', default: '', emptyIsNull: true, immutable: true, feature: CPU_AFFINITY },
  { name: 'bgsave_cpulist', type: 'string', default: '', emptyIsNull: true, immutable: true, feature: CPU_AFFINITY },
  { name: 'ignore-warnings', type: 'string', default: '', feature: 'ignore-warnings' },
  { name: 'proc-title-template', type: 'string', default: '{title} {listen-addr} {server-mode}', check: 'proc-title-template', feature: PROC_TITLE },
  { name: 'bind-source-addr', type: 'string', default: '', emptyIsNull: true, feature: REPL },
  { name: 'logfile', type: 'string', default: '', immutable: true, feature: null },
  { name: 'masterauth', type: 'string', default: '', emptyIsNull: true, sensitive: true, feature: REPL },
  { name: 'requirepass', type: 'string', default: '', emptyIsNull: true, sensitive: true, feature: null },

  // ---- enums (Redis) ----
  { name: 'supervised', type: 'enum', default: 'no', immutable: true, values: [['upstart', 1], ['systemd', 2], ['auto', 3], ['no', 0]], feature: 'supervision (upstart/systemd)' },
  { name: 'syslog-facility', type: 'enum', default: 'local0', immutable: true, values: [['user', 8], ['local0', 128], ['local1', 136], ['local2', 144], ['local3', 152], ['local4', 160], ['local5', 168], ['local6', 176], ['local7', 184]], feature: SYSLOG },
  { name: 'repl-diskless-load', type: 'enum', default: 'disabled', debug: true, denyLoading: true, values: [['disabled', 0], ['on-empty-db', 1], ['swapdb', 2]], feature: REPL },
  { name: 'loglevel', type: 'enum', default: 'notice', values: [['debug', 0], ['verbose', 1], ['notice', 2], ['warning', 3]], feature: null },
  { name: 'maxmemory-policy', type: 'enum', default: 'noeviction', values: [['volatile-lru', 1], ['volatile-lfu', 2], ['volatile-random', 3], ['volatile-ttl', 4], ['allkeys-lru', 5], ['allkeys-lfu', 6], ['allkeys-random', 7], ['noeviction', 8]], feature: EVICTION },
  { name: 'appendfsync', type: 'enum', default: 'everysec', values: [['everysec', 1], ['always', 2], ['no', 0]], feature: AOF },
  { name: 'oom-score-adj', type: 'enum', default: 'no', values: [['no', 0], ['yes', 1], ['relative', 1], ['absolute', 2]], feature: OOM },
  { name: 'acl-pubsub-default', type: 'enum', default: 'resetchannels', values: [['allchannels', 1], ['resetchannels', 0]], feature: ACL },
  { name: 'sanitize-dump-payload', type: 'enum', default: 'no', debug: true, values: [['no', 0], ['yes', 1], ['clients', 2]], feature: 'DUMP payload sanitization' },
  { name: 'enable-protected-configs', type: 'enum', default: 'no', immutable: true, values: PROTECTED_ACTION, feature: null },
  { name: 'enable-debug-command', type: 'enum', default: 'no', immutable: true, values: PROTECTED_ACTION, feature: null },
  { name: 'enable-module-command', type: 'enum', default: 'no', immutable: true, values: PROTECTED_ACTION, feature: 'modules' },
  { name: 'cluster-preferred-endpoint-type', type: 'enum', default: 'ip', values: [['ip', 0], ['hostname', 1], ['unknown-endpoint', 2]], feature: CLUSTER },
  { name: 'propagation-error-behavior', type: 'enum', default: 'ignore', values: [['ignore', 0], ['panic', 1], ['panic-on-replicas', 2]], feature: REPL },
  { name: 'shutdown-on-sigint', type: 'enum', default: 'default', multiArg: true, flags: true, values: SHUTDOWN_ON_SIGNAL, feature: SHUTDOWN },
  { name: 'shutdown-on-sigterm', type: 'enum', default: 'default', multiArg: true, flags: true, values: SHUTDOWN_ON_SIGNAL, feature: SHUTDOWN },

  // ---- numbers (Redis) ----
  { name: 'databases', type: 'numeric', ctype: 'int', min: 1n, max: INT_MAX, default: '16', immutable: true, feature: null },
  { name: 'port', type: 'numeric', ctype: 'int', min: 0n, max: 65535n, default: '6379', feature: null },
  { name: 'io-threads', type: 'numeric', ctype: 'int', min: 1n, max: 128n, default: '1', immutable: true, debug: true, feature: null },
  { name: 'auto-aof-rewrite-percentage', type: 'numeric', ctype: 'int', min: 0n, max: INT_MAX, default: '100', feature: AOF },
  { name: 'cluster-replica-validity-factor', aliases: ['cluster-slave-validity-factor'], type: 'numeric', ctype: 'int', min: 0n, max: INT_MAX, default: '10', feature: CLUSTER },
  { name: 'list-max-listpack-size', aliases: ['list-max-ziplist-size'], type: 'numeric', ctype: 'int', min: INT_MIN, max: INT_MAX, default: '-2', feature: null },
  { name: 'tcp-keepalive', type: 'numeric', ctype: 'int', min: 0n, max: INT_MAX, default: '300', feature: null },
  { name: 'cluster-migration-barrier', type: 'numeric', ctype: 'int', min: 0n, max: INT_MAX, default: '1', feature: CLUSTER },
  { name: 'active-defrag-cycle-min', type: 'numeric', ctype: 'int', min: 1n, max: 99n, default: '1', feature: DEFRAG },
  { name: 'active-defrag-cycle-max', type: 'numeric', ctype: 'int', min: 1n, max: 99n, default: '25', feature: DEFRAG },
  { name: 'active-defrag-threshold-lower', type: 'numeric', ctype: 'int', min: 0n, max: 1000n, default: '10', feature: DEFRAG },
  { name: 'active-defrag-threshold-upper', type: 'numeric', ctype: 'int', min: 0n, max: 1000n, default: '100', feature: DEFRAG },
  { name: 'lfu-log-factor', type: 'numeric', ctype: 'int', min: 0n, max: INT_MAX, default: '10', feature: EVICTION },
  { name: 'lfu-decay-time', type: 'numeric', ctype: 'int', min: 0n, max: INT_MAX, default: '1', feature: EVICTION },
  { name: 'replica-priority', aliases: ['slave-priority'], type: 'numeric', ctype: 'int', min: 0n, max: INT_MAX, default: '100', feature: REPL },
  { name: 'repl-diskless-sync-delay', type: 'numeric', ctype: 'int', min: 0n, max: INT_MAX, default: '5', feature: REPL },
  { name: 'maxmemory-samples', type: 'numeric', ctype: 'int', min: 1n, max: INT_MAX, default: '5', feature: EVICTION },
  { name: 'maxmemory-eviction-tenacity', type: 'numeric', ctype: 'int', min: 0n, max: 100n, default: '10', feature: EVICTION },
  { name: 'timeout', type: 'numeric', ctype: 'int', min: 0n, max: INT_MAX, default: '0', feature: null },
  { name: 'replica-announce-port', aliases: ['slave-announce-port'], type: 'numeric', ctype: 'int', min: 0n, max: 65535n, default: '0', feature: REPL },
  { name: 'tcp-backlog', type: 'numeric', ctype: 'int', min: 0n, max: INT_MAX, default: '511', immutable: true, feature: null },
  { name: 'cluster-port', type: 'numeric', ctype: 'int', min: 0n, max: 65535n, default: '0', immutable: true, feature: CLUSTER },
  { name: 'cluster-announce-bus-port', type: 'numeric', ctype: 'int', min: 0n, max: 65535n, default: '0', feature: CLUSTER },
  { name: 'cluster-announce-port', type: 'numeric', ctype: 'int', min: 0n, max: 65535n, default: '0', feature: CLUSTER },
  { name: 'cluster-announce-tls-port', type: 'numeric', ctype: 'int', min: 0n, max: 65535n, default: '0', feature: CLUSTER },
  { name: 'repl-timeout', type: 'numeric', ctype: 'int', min: 1n, max: INT_MAX, default: '60', feature: REPL },
  { name: 'repl-ping-replica-period', aliases: ['repl-ping-slave-period'], type: 'numeric', ctype: 'int', min: 1n, max: INT_MAX, default: '10', feature: REPL },
  { name: 'list-compress-depth', type: 'numeric', ctype: 'int', min: 0n, max: INT_MAX, default: '0', debug: true, feature: null },
  { name: 'rdb-key-save-delay', type: 'numeric', ctype: 'int', min: INT_MIN, max: INT_MAX, default: '0', hidden: true, feature: RDB },
  { name: 'key-load-delay', type: 'numeric', ctype: 'int', min: INT_MIN, max: INT_MAX, default: '0', hidden: true, feature: RDB },
  { name: 'active-expire-effort', type: 'numeric', ctype: 'int', min: 1n, max: 10n, default: '1', feature: null },
  { name: 'hz', type: 'numeric', ctype: 'int', min: 0n, max: INT_MAX, default: '10', feature: null },
  { name: 'min-replicas-to-write', aliases: ['min-slaves-to-write'], type: 'numeric', ctype: 'int', min: 0n, max: INT_MAX, default: '0', feature: REPL },
  { name: 'min-replicas-max-lag', aliases: ['min-slaves-max-lag'], type: 'numeric', ctype: 'int', min: 0n, max: INT_MAX, default: '10', feature: REPL },
  { name: 'watchdog-period', type: 'numeric', ctype: 'int', min: 0n, max: INT_MAX, default: '0', hidden: true, feature: 'the watchdog' },
  { name: 'shutdown-timeout', type: 'numeric', ctype: 'int', min: 0n, max: INT_MAX, default: '10', feature: SHUTDOWN },
  { name: 'repl-diskless-sync-max-replicas', type: 'numeric', ctype: 'int', min: 0n, max: INT_MAX, default: '0', feature: REPL },
  { name: 'maxclients', type: 'numeric', ctype: 'uint', min: 1n, max: UINT_MAX, default: '10000', feature: null },
  { name: 'unixsocketperm', type: 'numeric', ctype: 'uint', min: 0n, max: 0o777n, unit: 'octal', default: '0', immutable: true, feature: null },
  { name: 'socket-mark-id', type: 'numeric', ctype: 'uint', min: 0n, max: UINT_MAX, default: '0', immutable: true, feature: 'socket marking' },
  { name: 'active-defrag-max-scan-fields', type: 'numeric', ctype: 'ulong', min: 1n, max: LONG_MAX, default: '1000', feature: DEFRAG },
  { name: 'slowlog-max-len', type: 'numeric', ctype: 'ulong', min: 0n, max: LONG_MAX, default: '128', feature: null },
  { name: 'acllog-max-len', type: 'numeric', ctype: 'ulong', min: 0n, max: LONG_MAX, default: '128', feature: ACL },
  { name: 'busy-reply-threshold', aliases: ['lua-time-limit'], type: 'numeric', ctype: 'longlong', min: 0n, max: LONG_MAX, default: '5000', feature: 'lua scripting' },
  { name: 'cluster-node-timeout', type: 'numeric', ctype: 'longlong', min: 0n, max: LLONG_MAX, default: '15000', feature: CLUSTER },
  { name: 'slowlog-log-slower-than', type: 'numeric', ctype: 'longlong', min: -1n, max: LLONG_MAX, default: '10000', feature: null },
  { name: 'latency-monitor-threshold', type: 'numeric', ctype: 'longlong', min: 0n, max: LLONG_MAX, default: '0', feature: null },
  { name: 'proto-max-bulk-len', type: 'numeric', ctype: 'longlong', min: 1n * MB, max: LONG_MAX, unit: 'memory', default: `${512n * MB}`, debug: true, feature: null },
  { name: 'stream-node-max-entries', type: 'numeric', ctype: 'longlong', min: 0n, max: LLONG_MAX, default: '100', feature: 'streams' },
  { name: 'repl-backlog-size', type: 'numeric', ctype: 'longlong', min: 1n, max: LLONG_MAX, unit: 'memory', default: `${1n * MB}`, feature: REPL },
  { name: 'maxmemory', type: 'numeric', ctype: 'ulonglong', min: 0n, max: ULLONG_MAX, unit: 'memory', default: '0', feature: null },
  { name: 'cluster-link-sendbuf-limit', type: 'numeric', ctype: 'ulonglong', min: 0n, max: ULLONG_MAX, unit: 'memory', default: '0', feature: CLUSTER },
  { name: 'hash-max-listpack-entries', aliases: ['hash-max-ziplist-entries'], type: 'numeric', ctype: 'size_t', min: 0n, max: LONG_MAX, default: '512', feature: null },
  { name: 'set-max-intset-entries', type: 'numeric', ctype: 'size_t', min: 0n, max: LONG_MAX, default: '512', feature: null },
  { name: 'zset-max-listpack-entries', aliases: ['zset-max-ziplist-entries'], type: 'numeric', ctype: 'size_t', min: 0n, max: LONG_MAX, default: '128', feature: null },
  { name: 'active-defrag-ignore-bytes', type: 'numeric', ctype: 'size_t', min: 1n, max: LLONG_MAX, unit: 'memory', default: `${100n * MB}`, feature: DEFRAG },
  { name: 'hash-max-listpack-value', aliases: ['hash-max-ziplist-value'], type: 'numeric', ctype: 'size_t', min: 0n, max: LONG_MAX, unit: 'memory', default: '64', feature: null },
  { name: 'stream-node-max-bytes', type: 'numeric', ctype: 'size_t', min: 0n, max: LONG_MAX, unit: 'memory', default: '4096', feature: 'streams' },
  { name: 'zset-max-listpack-value', aliases: ['zset-max-ziplist-value'], type: 'numeric', ctype: 'size_t', min: 0n, max: LONG_MAX, unit: 'memory', default: '64', feature: null },
  { name: 'hll-sparse-max-bytes', type: 'numeric', ctype: 'size_t', min: 0n, max: LONG_MAX, unit: 'memory', default: '3000', feature: 'HyperLogLog tuning' },
  { name: 'tracking-table-max-keys', type: 'numeric', ctype: 'size_t', min: 0n, max: LONG_MAX, default: '1000000', feature: 'client-side caching' },
  { name: 'client-query-buffer-limit', type: 'numeric', ctype: 'size_t', min: 1n * MB, max: LONG_MAX, unit: 'memory', default: `${1n * GB}`, debug: true, feature: null },
  { name: 'maxmemory-clients', type: 'numeric', ctype: 'ssize_t', min: -100n, max: SSIZE_MAX, unit: 'memory-percent', default: '0', feature: 'client eviction' },
  { name: 'repl-backlog-ttl', type: 'numeric', ctype: 'time_t', min: 0n, max: LONG_MAX, default: '3600', feature: REPL },
  { name: 'auto-aof-rewrite-min-size', type: 'numeric', ctype: 'off_t', min: 0n, max: LLONG_MAX, unit: 'memory', default: `${64n * MB}`, feature: AOF },
  { name: 'loading-process-events-interval-bytes', type: 'numeric', ctype: 'off_t', min: 1024n, max: INT_MAX, default: `${2n * MB}`, hidden: true, feature: RDB },

  // ---- TLS (Redis) ----
  { name: 'tls-port', type: 'numeric', ctype: 'int', min: 0n, max: 65535n, default: '0', feature: TLS },
  { name: 'tls-session-cache-size', type: 'numeric', ctype: 'int', min: 0n, max: INT_MAX, default: '20480', feature: TLS },
  { name: 'tls-session-cache-timeout', type: 'numeric', ctype: 'int', min: 0n, max: INT_MAX, default: '300', feature: TLS },
  { name: 'tls-cluster', type: 'bool', default: 'no', feature: TLS },
  { name: 'tls-replication', type: 'bool', default: 'no', feature: TLS },
  { name: 'tls-auth-clients', type: 'enum', default: 'yes', values: YES_NO_OPTIONAL, feature: TLS },
  { name: 'tls-prefer-server-ciphers', type: 'bool', default: 'no', feature: TLS },
  { name: 'tls-session-caching', type: 'bool', default: 'yes', feature: TLS },
  { name: 'tls-cert-file', type: 'string', default: '', emptyIsNull: true, feature: TLS },
  { name: 'tls-key-file', type: 'string', default: '', emptyIsNull: true, feature: TLS },
  { name: 'tls-key-file-pass', type: 'string', default: '', emptyIsNull: true, feature: TLS },
  { name: 'tls-client-cert-file', type: 'string', default: '', emptyIsNull: true, feature: TLS },
  { name: 'tls-client-key-file', type: 'string', default: '', emptyIsNull: true, feature: TLS },
  { name: 'tls-client-key-file-pass', type: 'string', default: '', emptyIsNull: true, feature: TLS },
  { name: 'tls-dh-params-file', type: 'string', default: '', emptyIsNull: true, feature: TLS },
  { name: 'tls-ca-cert-file', type: 'string', default: '', emptyIsNull: true, feature: TLS },
  { name: 'tls-ca-cert-dir', type: 'string', default: '', emptyIsNull: true, feature: TLS },
  { name: 'tls-protocols', type: 'string', default: '', emptyIsNull: true, feature: TLS },
  { name: 'tls-ciphers', type: 'string', default: '', emptyIsNull: true, feature: TLS },
  { name: 'tls-ciphersuites', type: 'string', default: '', emptyIsNull: true, feature: TLS },

  // ---- special (Redis) ----
  // dir's default is the working directory at start-up; Config fills it in.
  { name: 'dir', type: 'special', default: '', protected: true, denyLoading: true, feature: null },
  { name: 'save', type: 'special', default: '3600 1 300 100 60 10000', multiArg: true, feature: RDB },
  { name: 'client-output-buffer-limit', type: 'special', default: 'normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60', multiArg: true, feature: 'client output buffer limits' },
  { name: 'oom-score-adj-values', type: 'special', default: '0 200 800', multiArg: true, feature: OOM },
  { name: 'notify-keyspace-events', type: 'special', default: '', feature: 'keyspace notifications' },
  { name: 'bind', type: 'special', default: '* -::*', multiArg: true, feature: null },
  { name: 'replicaof', aliases: ['slaveof'], type: 'special', default: '', immutable: true, multiArg: true, feature: REPL },
  { name: 'latency-tracking-info-percentiles', type: 'special', default: '50 99 99.9', multiArg: true, feature: 'latency tracking' },

  // ---- KeyDB 6.3 ----
  { name: 'server-threads', keydb: true, type: 'numeric', ctype: 'int', min: 1n, max: 16n, default: '1', immutable: true, error: 'Invalid number of threads specified', feature: null },
  { name: 'server-thread-affinity', keydb: true, type: 'special', default: 'false', immutable: true, feature: CPU_AFFINITY },
  { name: 'active-replica', keydb: true, type: 'bool', trueFalse: true, default: 'no', feature: ACTIVE_REPL },
  { name: 'multi-master', keydb: true, type: 'bool', trueFalse: true, default: 'no', immutable: true, feature: ACTIVE_REPL },
  { name: 'multi-master-no-forward', keydb: true, type: 'bool', trueFalse: true, default: 'no', feature: ACTIVE_REPL },
  { name: 'replica-quorum', keydb: true, type: 'numeric', ctype: 'int', min: -1n, max: INT_MAX, default: '-1', feature: ACTIVE_REPL },
  { name: 'replica-weighting-factor', keydb: true, type: 'numeric', ctype: 'int', min: 1n, max: INT_MAX, default: '2', feature: BALANCING },
  { name: 'min-clients-per-thread', keydb: true, type: 'numeric', ctype: 'int', min: 0n, max: 400n, default: '20', feature: BALANCING },
  { name: 'active-client-balancing', keydb: true, type: 'bool', trueFalse: true, default: 'yes', feature: BALANCING },
  { name: 'storage-provider', keydb: true, type: 'special', default: 'none', immutable: true, multiArg: true, feature: FLASH },
  { name: 'storage-provider-options', keydb: true, type: 'string', default: '', immutable: true, feature: FLASH },
  { name: 'storage-cache-mode', keydb: true, type: 'enum', default: 'writethrough', immutable: true, values: [['writeback', 0], ['writethrough', 1]], feature: FLASH },
  { name: 'storage-flush-period', keydb: true, type: 'numeric', ctype: 'int', min: 1n, max: 10000n, default: '500', feature: FLASH },
  { name: 'maxstorage', keydb: true, type: 'numeric', ctype: 'ulonglong', min: 0n, max: ULLONG_MAX, unit: 'memory', default: '0', feature: FLASH },
  { name: 'flash-disable-key-cache', keydb: true, type: 'bool', trueFalse: true, default: 'no', immutable: true, feature: FLASH },
  { name: 'prefetch-enabled', keydb: true, type: 'bool', trueFalse: true, default: 'yes', feature: FLASH },
  { name: 'delete-on-evict', keydb: true, type: 'bool', trueFalse: true, default: 'no', feature: FLASH },
  { name: 'db-s3-object', keydb: true, type: 'string', default: '', emptyIsNull: true, immutable: true, feature: 'S3 backups' },
  { name: 'enable-motd', keydb: true, type: 'bool', trueFalse: true, default: 'yes', immutable: true, feature: 'the message of the day' },
  { name: 'use-fork', keydb: true, type: 'bool', trueFalse: true, default: 'no', immutable: true, feature: 'fork-based snapshots' },
  { name: 'time-thread-priority', keydb: true, type: 'bool', trueFalse: true, default: 'no', immutable: true, feature: 'thread priorities' },
  { name: 'allow-rdb-resize-op', keydb: true, type: 'bool', trueFalse: true, default: 'yes', feature: RDB },
  { name: 'enable-async-commands', keydb: true, type: 'bool', trueFalse: true, default: 'no', feature: 'async commands' },
  { name: 'multithread-load-enabled', keydb: true, type: 'bool', trueFalse: true, default: 'no', feature: RDB },
  { name: 'allow-write-during-load', keydb: true, type: 'bool', trueFalse: true, default: 'no', feature: RDB },
  { name: 'loading-process-events-interval-keys', keydb: true, type: 'numeric', ctype: 'longlong', min: 0n, max: LLONG_MAX, default: '8192', feature: RDB },
  { name: 'maxclients-reserved', keydb: true, type: 'numeric', ctype: 'int', min: 0n, max: 100n, default: '0', feature: 'reserved client slots' },
  { name: 'repl-backlog-disk-reserve', keydb: true, type: 'numeric', ctype: 'ulonglong', min: 0n, max: ULLONG_MAX, unit: 'memory', default: '0', feature: REPL },
  { name: 'force-backlog-disk-reserve', keydb: true, type: 'bool', trueFalse: true, default: 'no', feature: REPL },
  { name: 'enable-keydb-fastsync', keydb: true, type: 'bool', trueFalse: true, default: 'no', feature: REPL },
  { name: 'max-snapshot-slip', keydb: true, type: 'numeric', ctype: 'int', min: 0n, max: INT_MAX, default: '400', feature: 'MVCC snapshots' },
  { name: 'max-rand-count', keydb: true, type: 'numeric', ctype: 'longlong', min: 0n, max: LONG_MAX / 2n, default: `${LONG_MAX / 2n}`, feature: 'max-rand-count' },
  { name: 'soft-shutdown', keydb: true, type: 'bool', trueFalse: true, default: 'no', feature: SHUTDOWN },
  { name: 'semi-ordered-set-bucket-size', keydb: true, type: 'numeric', ctype: 'int', min: 0n, max: 1024n, default: '0', feature: 'semi-ordered sets' },
  { name: 'availability-zone', keydb: true, type: 'string', default: '', feature: 'availability zones' },
  { name: 'overload-protect-percent', keydb: true, type: 'numeric', ctype: 'int', min: 0n, max: 200n, default: '0', feature: 'overload protection' },
  { name: 'force-eviction-percent', keydb: true, type: 'numeric', ctype: 'int', min: 0n, max: 100n, default: '0', feature: EVICTION },
  { name: 'enable-async-rehash', keydb: true, type: 'bool', trueFalse: true, default: 'yes', feature: 'async rehashing' },
  { name: 'tls-rotation', keydb: true, type: 'bool', trueFalse: true, default: 'no', feature: TLS },
  { name: 'tls-allowlist', keydb: true, type: 'special', default: '', multiArg: true, feature: TLS },
  { name: 'scratch-file-path', keydb: true, type: 'string', default: '', immutable: true, hidden: true, feature: 'scratch files (memkind)' },
  { name: 'version-override', keydb: true, type: 'string', default: '', immutable: true, hidden: true, feature: 'version override' },
  { name: 'testmode', keydb: true, type: 'bool', trueFalse: true, default: 'no', immutable: true, hidden: true, feature: 'test mode' },

  // ---- this server ----
  { name: 'log-format', ours: true, type: 'enum', default: 'redis', immutable: true, values: [['redis', 0], ['json', 1]], feature: null },
  // Clients whose pipelined commands keep going to another thread's keys move there (src/shards/migrate.ts).
  { name: 'migrate-connections', ours: true, type: 'bool', default: 'yes', feature: null },
];

/** Config-file directives that are not settings: handled by the loader itself. */
export const FILE_ONLY_DIRECTIVES = ['include', 'rename-command', 'user', 'loadmodule', 'sentinel'] as const;

/**
 * Redis 7.0 still accepts these in config files (with exactly this many arguments,
 * name included) and ignores them; CONFIG GET/SET do not know them.
 * enable-pro and rdbfuzz-mode are KeyDB leftovers accepted with any arguments.
 */
export const DEPRECATED_DIRECTIVES: Readonly<Record<string, readonly [number, number]>> = {
  'list-max-ziplist-entries': [2, 2],
  'list-max-ziplist-value': [2, 2],
  'lua-replicate-commands': [2, 2],
  'enable-pro': [1, 1000],
  'rdbfuzz-mode': [1, 1000],
};

export interface DirectiveRef {
  directive: Directive;
  /** The name this entry is registered under (canonical or alias). */
  name: string;
  isAlias: boolean;
}

let index: Map<string, DirectiveRef> | null = null;

function buildIndex(): Map<string, DirectiveRef> {
  const m = new Map<string, DirectiveRef>();
  for (const d of DIRECTIVES) {
    m.set(d.name, { directive: d, name: d.name, isAlias: false });
    for (const a of d.aliases ?? []) m.set(a, { directive: d, name: a, isAlias: true });
  }
  return m;
}

/** Find a directive by name or alias, case-insensitively (ASCII). */
export function findDirective(name: string): DirectiveRef | undefined {
  index ??= buildIndex();
  // Commands read directives by their lowercase names on the hot path (hash-max-listpack-entries
  // per HSET, ...): those hit at once, without a lowercased copy to allocate and hash.
  return index.get(name) ?? index.get(name.toLowerCase());
}

/** Every registered name (canonical names and aliases) in table order. */
export function allDirectiveRefs(): DirectiveRef[] {
  index ??= buildIndex();
  return [...index.values()];
}

/** True when the directive's value must be redacted in logs and SLOWLOG/MONITOR. */
export function isSensitive(name: string): boolean {
  return findDirective(name)?.directive.sensitive === true;
}

