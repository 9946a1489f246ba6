// keydb-server: parses the command line and the config file, sets up logging,
// starts `server-threads` server threads wired by ring channels, and runs the
// control plane (CONFIG SET propagation, CONFIG REWRITE, SHUTDOWN, signals).

import { Worker, MessageChannel } from 'node:worker_threads';
import { randomBytes } from 'node:crypto';
import { writeFileSync, unlinkSync } from 'node:fs';
import { Command } from 'commander';
import * as Comlink from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import { loadConfig, ConfigFileError, type Config } from './config/config.ts';
import { controlBytes } from './router/channels.ts';
import { ringMatrix } from './router/ring.ts';
import { createLogger, type ServerLogger } from './log.ts';
import type { MainApi, WorkerApi, WorkerInit } from './control.ts';
import { SERVER_VERSION, PRODUCT_VERSION } from './version.ts';
import { createScriptingShared } from './scripting/shared.ts';
import { threadHeapLimitMb, THREAD_YOUNG_GENERATION_MB } from './shards/heap_limit.ts';
import { listenAddresses, addressInUse, tcpListenFailure } from './listen_addresses.ts';
import { strerror } from './config/strerror.ts';

function checkNode(): void {
  const [maj, min] = process.versions.node.split('.').map(Number);
  if (maj < 22 || (maj === 22 && min < 12)) {
    process.stderr.write(`keydb-server needs Node.js >= 22.12 (reusePort); this is ${process.version}. Run it through npm start or bin/keydb-server.\n`);
    process.exit(1);
  }
}

function parseCommandLine(): { file: string | undefined; rest: string[] } {
  const program = new Command('keydb-server')
    .usage('[/path/to/keydb.conf] [--directive value ...]')
    .description('A multithreaded Redis 7.0 compatible server.\nExamples:\n  keydb-server keydb.conf --port 7000 --server-threads 4 --save ""')
    .version(`KeyDB-TS v=${PRODUCT_VERSION} (Redis ${SERVER_VERSION} compatible) node=${process.versions.node}`, '-v, --version')
    .helpOption('-h, --help')
    .allowUnknownOption()
    .allowExcessArguments()
    .argument('[args...]');
  program.parse(process.argv);
  const args = program.args;
  let file: string | undefined;
  let rest = args;
  if (args.length > 0 && !args[0].startsWith('--')) {
    file = args[0];
    rest = args.slice(1);
  }
  return { file, rest };
}

function ringCapacity(threads: number): number {
  const pairs = Math.max(1, threads * (threads - 1));
  let cap = 1 << 20;
  while (cap > 64 * 1024 && cap * pairs > 64 * 1024 * 1024) cap >>= 1;
  return cap;
}

async function main(): Promise<void> {
  checkNode();
  const { file, rest } = parseCommandLine();
  let config: Config;
  try {
    config = loadConfig(file, rest);
  } catch (e) {
    if (e instanceof ConfigFileError) {
      const err = e as ConfigFileError;
      // The FATAL CONFIG FILE ERROR block goes to stderr as is; other load errors are log lines, as in Redis.
      if (err.banner) process.stderr.write(err.message);
      else createLogger({ level: 'notice', file: '', format: 'redis', role: 'M' }).warning(err.message);
      process.exit(1);
    }
    throw e;
  }
  const log: ServerLogger = createLogger({ level: config.str('loglevel'), file: config.str('logfile'), format: config.str('log-format'), role: 'M' });
  log.notice('oO0OoO0OoO0Oo KeyDB-TS is starting oO0OoO0OoO0Oo');
  log.notice(`KeyDB-TS version=${PRODUCT_VERSION} (Redis ${SERVER_VERSION} compatible), bits=64, node=${process.versions.node}, pid=${process.pid}, just started`);
  log.notice(file !== undefined ? `Configuration loaded from ${file}` : 'No config file specified, using the default config. In order to specify a config file use keydb-server /path/to/keydb.conf');
  for (const w of config.unsupportedWarnings()) log.warning(w);
  const dir = config.str('dir');
  if (dir !== '' && dir !== '.') process.chdir(dir);

  const threads = Math.max(1, config.num('server-threads'));
  const cap = ringCapacity(threads);
  const rings = ringMatrix(threads, cap);
  const control = new SharedArrayBuffer(controlBytes(threads));
  const scripting = createScriptingShared(threads);
  const runId = randomBytes(20).toString('hex');
  const startTime = Date.now();

  const workers: { worker: Worker; api: Comlink.Remote<WorkerApi> }[] = [];
  let shuttingDown = false;

  const shutdown = async (reason: string): Promise<void> => {
    if (shuttingDown) return;
    shuttingDown = true;
    log.warning(reason);
    log.notice('User requested shutdown...');
    await Promise.all(workers.map((w) => w.api.stopListening()));
    await Promise.all(workers.map((w) => w.api.closeClients()));
    const pidfile = config.str('pidfile');
    if (pidfile !== '') {
      try {
        unlinkSync(pidfile);
      } catch {}
    }
    log.notice('KeyDB-TS is now ready to exit, bye bye...');
    setTimeout(() => process.exit(0), 20);
  };

  /**
   * CONFIG SET port / bind: every thread opens TCP listeners on the new port
   * or addresses beside the old ones, then all switch to them; when one
   * cannot, none does and the old ones stay (Redis keeps its old listeners
   * too). A new port another process holds is refused first
   * (listen_addresses.ts). Returns CONFIG SET's error, or null.
   */
  const relisten = async (portChanged: boolean): Promise<string | null> => {
    const port = config.num('port');
    const bind = config.list('bind');
    let failure: string | null = null;
    if (portChanged && port !== 0) {
      const taken = await addressInUse(port, listenAddresses(bind));
      if (taken !== null) failure = tcpListenFailure(taken.addr, port, strerror('EADDRINUSE'));
    }
    if (failure === null) {
      const results = await Promise.all(workers.map((w) => w.api.tcpListenNew(port, bind)));
      failure = results.find((r) => r !== null) ?? null;
    }
    await Promise.all(workers.map((w) => w.api.tcpSwitch(failure === null)));
    if (failure === null) return null;
    // Only the first line: the server goes on.
    log.warning(failure.split('\n')[0]);
    return portChanged
      ? "ERR CONFIG SET failed (possibly related to argument 'port') - Unable to listen on this port. Check server logs."
      : "ERR CONFIG SET failed (possibly related to argument 'bind') - Failed to bind to specified addresses.";
  };

  const mainApi: MainApi = {
    async configSet(pairs) {
      const before = config.snapshot();
      const warnedBefore = new Set(config.unsupportedWarnings());
      const err = config.set(pairs);
      if (err !== null) return err;
      const after = config.snapshot();
      const changed: Record<string, string> = {};
      for (const k of Object.keys(after)) if (after[k] !== before[k]) changed[k] = after[k];
      if ('port' in changed || 'bind' in changed) {
        const failed = await relisten('port' in changed);
        if (failed !== null) {
          config.set([
            ['port', before['port']],
            ['bind', before['bind']],
          ]);
          return failed;
        }
      }
      await Promise.all(workers.map((w) => w.api.applyConfig(changed)));
      // A setting whose feature is missing is accepted (Redis's reply) and logged, as from the config file.
      for (const line of config.unsupportedWarnings()) if (!warnedBefore.has(line)) log.warning(line);
      return null;
    },
    async configRewrite() {
      return config.rewrite();
    },
    async shutdown(mode) {
      void shutdown(`User requested shutdown (${mode || 'SHUTDOWN'})`);
      return null;
    },
  };

  // Another process on the port: refused before any thread starts (see listen_addresses.ts).
  const port = config.num('port');
  const taken = port !== 0 ? await addressInUse(port, listenAddresses(config.list('bind'))) : null;
  if (taken !== null) {
    for (const line of tcpListenFailure(taken.addr, port, strerror('EADDRINUSE')).split('\n')) log.warning(line);
    process.exit(1);
  }
  const heapMb = threadHeapLimitMb(config.num('maxmemory'), threads);
  log.verbose(`Server threads may each grow their heap to ${heapMb} MB`);
  for (let i = 0; i < threads; i++) {
    const ch = new MessageChannel();
    Comlink.expose(mainApi, nodeEndpoint(ch.port1));
    const init: WorkerInit = { index: i, threads, rings, ringCapacity: cap, control, config: config.snapshot(), configFile: config.configFile, mainPort: ch.port2, runId, startTime, scripting };
    const worker = new Worker(new URL('./shards/worker.ts', import.meta.url), { workerData: init, transferList: [ch.port2], resourceLimits: { maxOldGenerationSizeMb: heapMb, maxYoungGenerationSizeMb: THREAD_YOUNG_GENERATION_MB } });
    worker.on('error', (e) => {
      log.warning(`Server thread ${i} crashed: ${e.stack ?? e.message}`);
      process.exit(1);
    });
    workers.push({ worker, api: Comlink.wrap<WorkerApi>(nodeEndpoint(worker)) });
  }
  log.notice('Server initialized');
  try {
    await Promise.all(workers.map((w) => w.api.start()));
    await Promise.all(workers.map((w) => w.api.listen()));
  } catch (e) {
    for (const line of (e as Error).message.split('\n')) log.warning(line);
    process.exit(1);
  }
  const pidfile = config.str('pidfile');
  if (pidfile !== '') writeFileSync(pidfile, `${process.pid}\n`);
  log.notice(`Running mode=standalone, port=${config.num('port')}, server-threads=${threads}`);
  log.notice('Ready to accept connections');

  process.on('SIGTERM', () => void shutdown('Received SIGTERM scheduling shutdown...'));
  process.on('SIGINT', () => void shutdown('Received SIGINT scheduling shutdown...'));
}

void main();
