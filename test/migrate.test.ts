// Connection migration (src/shards/migrate.ts): a client whose pipelined
// commands keep going to one other thread's keys moves to that thread. The
// client must not notice: same connection, id, name, database and protocol,
// every reply in order, none lost or doubled, also for commands that were
// already on their way while it moved. Clients with state on their thread
// (WATCH here), clients at pipeline 1 and a server with migrate-connections
// off keep their thread. Unix socket clients move like TCP ones. CLIENT LIST
// and CLIENT KILL meet a client also while it is on its way between threads.

import os from 'node:os';
import path from 'node:path';
import { it, expect, beforeAll, afterAll } from 'vitest';
import { RawClient, encodeCommand } from './helpers/resp.ts';
import { startServer, waitForUnixSocket, type RunningServer } from './helpers/server.ts';
import { MIGRATE_AFTER } from '../src/shards/migrate.ts';
import { keyOnShard, connectOn, threadClients } from './helpers/threads.ts';

const THREADS = 2;
let srv: RunningServer;
beforeAll(async () => {
  srv = await startServer(['--server-threads', String(THREADS), '--enable-debug-command', 'yes']);
});
afterAll(async () => {
  await srv?.stop();
});

/** A key of `prefix` owned by shard `shard`. */
function keyOn(shard: number, prefix: string): string {
  return keyOnShard(shard, prefix, THREADS);
}

/** Run `body` with a client that thread 1 took and a probe connection (anywhere), closing both after. */
async function withClientOnThread1(body: (c: RawClient, probe: RawClient) => Promise<void>): Promise<void> {
  const probe = await RawClient.connect(srv.port);
  const c = await connectOn(srv.port, 1);
  try {
    await body(c, probe);
  } finally {
    c.close();
    probe.close();
  }
}

/** Connections moved to each thread so far (INFO threads' migrated_in). */
async function migratedIn(probe: RawClient): Promise<number[]> {
  const info = await probe.command('INFO', 'threads');
  const out: number[] = [];
  for (const m of info.matchAll(/^thread_(\d+):.*migrated_in=(\d+)/gm)) out[Number(m[1])] = Number(m[2]);
  return out;
}

/** `batches` pipelined batches of `per` INCRs of `key`, each sent once the previous one's replies are in (as redis-benchmark -P does). */
async function incrBatches(c: RawClient, key: string, batches: number, per: number): Promise<string[]> {
  const one = encodeCommand(['INCR', key]);
  const out: string[] = [];
  for (let b = 0; b < batches; b++) {
    c.write(Buffer.concat(new Array(per).fill(one)));
    for (let i = 0; i < per; i++) out.push(await c.readReply());
  }
  return out;
}

/**
 * Send `c` batches of INCRs of `key` until it is on its way to another thread:
 * in no thread's client table (a DEBUG MIGRATE-DELAY keeps it there).
 */
async function untilInTransit(c: RawClient, probe: RawClient, key: string): Promise<void> {
  for (let b = 0; b < MIGRATE_AFTER; b++) {
    await incrBatches(c, key, 1, 16);
    const listed = threadClients(await probe.command('INFO', 'threads')).reduce((a, n) => a + n, 0);
    const connected = Number(/connected_clients:(\d+)/.exec(await probe.command('INFO', 'clients'))![1]);
    if (listed === connected - 1) return;
  }
  throw new Error('the client did not move');
}

function counting(from: number, n: number): string[] {
  return Array.from({ length: n }, (_, i) => `:${from + i}\r\n`);
}

it('a pipelining client moves to the thread that owns its keys, keeping its connection, id, name, database and protocol', async () => {
  const key = keyOn(0, 'mig-a');
  await withClientOnThread1(async (c, probe) => {
    const before = await migratedIn(probe);
    expect(await c.command('CLIENT', 'SETNAME', 'mover')).toBe('+OK\r\n');
    expect(await c.command('SELECT', '5')).toBe('+OK\r\n');
    const id = await c.command('CLIENT', 'ID');
    const addrOf = (info: string): string => / addr=(\S+) laddr=(\S+) /.exec(info)!.slice(1).join(' ');
    const addr = addrOf(await c.command('CLIENT', 'INFO'));
    const hello = await c.command('HELLO', '3');
    expect(hello.startsWith('%')).toBe(true);
    const clientsBefore = threadClients(await probe.command('INFO', 'threads'));

    const n = 16 * Math.ceil((MIGRATE_AFTER * 2) / 16);
    expect(await incrBatches(c, key, n / 16, 16)).toEqual(counting(1, n));

    const after = await migratedIn(probe);
    expect(after[0]).toBe(before[0] + 1);
    expect(after[1]).toBe(before[1]);
    const clientsAfter = threadClients(await probe.command('INFO', 'threads'));
    expect(clientsAfter[0]).toBe(clientsBefore[0] + 1);
    expect(clientsAfter[1]).toBe(clientsBefore[1] - 1);

    // Same client, same state, on its new thread.
    expect(await c.command('CLIENT', 'ID')).toBe(id);
    expect(await c.command('CLIENT', 'GETNAME')).toBe('$5\r\nmover\r\n');
    expect(await c.command('GET', key)).toBe(`$${String(n).length}\r\n${n}\r\n`);
    expect(await c.command('HGETALL', 'nohash')).toBe('%0\r\n');
    const info = await c.command('CLIENT', 'INFO');
    expect(info).toContain(` name=mover `);
    expect(info).toContain(` db=5 `);
    expect(info).toContain(` resp=3`);
    expect(addrOf(info)).toBe(addr);
    // The key is in database 5, where the client was.
    expect(await probe.command('EXISTS', key)).toBe(':0\r\n');
    expect(await probe.command('SELECT', '5')).toBe('+OK\r\n');
    expect(await probe.command('GET', key)).toBe(`$${String(n).length}\r\n${n}\r\n`);
    // Listed once.
    const list = await probe.command('CLIENT', 'LIST');
    expect(list.split('\n').filter((l) => l.includes('name=mover')).length).toBe(1);
  });
});

it('commands sent while the client moves are answered in order, none lost or doubled', async () => {
  const key = keyOn(0, 'mig-b');
  await withClientOnThread1(async (c, probe) => {
    const before = await migratedIn(probe);
    // Batches go out without waiting for replies, a few milliseconds apart: the client is idle
    // between them, and the next ones arrive while it moves (they wait in the kernel for the new
    // thread).
    const batches = Math.ceil((MIGRATE_AFTER * 3) / 16);
    const one = encodeCommand(['INCR', key]);
    const batch = Buffer.concat(new Array(16).fill(one));
    const sent = (async () => {
      for (let b = 0; b < batches; b++) {
        c.write(batch);
        await new Promise((r) => setTimeout(r, b % 8 === 0 ? 2 : 0));
      }
    })();
    const replies: string[] = [];
    for (let i = 0; i < batches * 16; i++) replies.push(await c.readReply());
    await sent;
    expect(replies).toEqual(counting(1, batches * 16));
    expect((await migratedIn(probe))[0]).toBe(before[0] + 1);
    expect(await c.command('PING')).toBe('+PONG\r\n');
  });
});

it('multi-key commands under one hash tag count too: the client moves to the tag\'s thread', async () => {
  const tag = keyOn(0, 'mig-tag');
  await withClientOnThread1(async (c, probe) => {
    const before = await migratedIn(probe);
    const batch: string[][] = [];
    for (let i = 0; i < 8; i++) batch.push(['MSET', `{${tag}}a`, String(i), `{${tag}}b`, String(i * 2)], ['MGET', `{${tag}}a`, `{${tag}}b`]);
    const one = Buffer.concat(batch.map(encodeCommand));
    for (let b = 0; b < Math.ceil((MIGRATE_AFTER * 2) / 16); b++) {
      c.write(one);
      for (let i = 0; i < 8; i++) {
        expect(await c.readReply()).toBe('+OK\r\n');
        expect(await c.readReply()).toBe(`*2\r\n$1\r\n${i}\r\n$${String(i * 2).length}\r\n${i * 2}\r\n`);
      }
    }
    expect((await migratedIn(probe))[0]).toBe(before[0] + 1);
  });
});

it('a client at pipeline 1 stays where it is', async () => {
  const key = keyOn(0, 'mig-c');
  await withClientOnThread1(async (c, probe) => {
    const before = await migratedIn(probe);
    expect(await incrBatches(c, key, MIGRATE_AFTER + 100, 1)).toEqual(counting(1, MIGRATE_AFTER + 100));
    expect(await migratedIn(probe)).toEqual(before);
  });
});

it('a client that watches keys stays where it is, and its transaction still sees them', async () => {
  const key = keyOn(0, 'mig-d');
  const watched = keyOn(1, 'mig-w');
  await withClientOnThread1(async (c, probe) => {
    const before = await migratedIn(probe);
    expect(await c.command('WATCH', watched)).toBe('+OK\r\n');
    const n = 16 * Math.ceil((MIGRATE_AFTER * 2) / 16);
    expect(await incrBatches(c, key, n / 16, 16)).toEqual(counting(1, n));
    expect(await migratedIn(probe)).toEqual(before);
    // The watch is still in force: a write by someone else aborts the transaction.
    expect(await probe.command('SET', watched, 'x')).toBe('+OK\r\n');
    expect(await c.command('MULTI')).toBe('+OK\r\n');
    expect(await c.command('INCR', key)).toBe('+QUEUED\r\n');
    expect(await c.command('EXEC')).toBe('*-1\r\n');
  });
});

it('migrate-connections no keeps every client where it landed', async () => {
  const key = keyOn(0, 'mig-e');
  await withClientOnThread1(async (c, probe) => {
    try {
      expect(await probe.command('CONFIG', 'SET', 'migrate-connections', 'no')).toBe('+OK\r\n');
      const before = await migratedIn(probe);
      const n = 16 * Math.ceil((MIGRATE_AFTER * 2) / 16);
      expect(await incrBatches(c, key, n / 16, 16)).toEqual(counting(1, n));
      expect(await migratedIn(probe)).toEqual(before);
    } finally {
      await probe.command('CONFIG', 'SET', 'migrate-connections', 'yes');
    }
  });
});

it('a unix socket client moves too, and keeps its unix address', async () => {
  const sock = path.join(os.tmpdir(), `keydb-migrate-${process.pid}.sock`);
  const unixSrv = await startServer(['--server-threads', String(THREADS), '--unixsocket', sock]);
  try {
    await waitForUnixSocket(unixSrv, sock);
    // The unix socket listens on thread 0: a client there working on shard 1's keys moves to thread 1.
    const probe = await RawClient.connect(unixSrv.port);
    const c = await RawClient.connectUnix(sock);
    try {
      const key = keyOn(1, 'mig-unix');
      const before = await migratedIn(probe);
      const n = 16 * Math.ceil((MIGRATE_AFTER * 2) / 16);
      expect(await incrBatches(c, key, n / 16, 16)).toEqual(counting(1, n));
      expect((await migratedIn(probe))[1]).toBe(before[1] + 1);
      const info = await c.command('CLIENT', 'INFO');
      expect(info).toContain(` addr=${sock}:0 laddr=${sock}:0 `);
      expect(info).toContain(' flags=U ');
      expect(await c.command('PING')).toBe('+PONG\r\n');
    } finally {
      c.close();
      probe.close();
    }
  } finally {
    await unixSrv.stop();
  }
});

it('many clients moving at once while others run cross-shard transactions: every reply in order, nothing lost', async () => {
  // 12 clients of thread 1 pipeline INCRs on their own key of shard 0 (they all move), while 4
  // clients (on either thread) run MULTI/EXEC over a key of each shard, keeping x == y, and read
  // both with MGET: every INCR reply counts up by one, every MULTI block and every MGET sees x == y.
  const x = keyOn(0, 'mig-x');
  const y = keyOn(1, 'mig-y');
  const probe = await RawClient.connect(srv.port);
  const before = await migratedIn(probe);
  const movers: RawClient[] = [];
  for (let i = 0; i < 12; i++) movers.push(await connectOn(srv.port, 1));
  const txers: RawClient[] = [];
  for (let i = 0; i < 4; i++) txers.push(await RawClient.connect(srv.port));
  try {
    const n = 16 * Math.ceil((MIGRATE_AFTER * 2) / 16);
    let running = true;
    const torn: string[] = [];
    const txLoops = txers.map(async (c) => {
      let rounds = 0;
      while (running || rounds < 5) {
        rounds++;
        c.write(Buffer.concat([['MULTI'], ['INCR', x], ['INCR', y], ['EXEC'], ['MGET', x, y]].map(encodeCommand)));
        const replies: string[] = [];
        for (let i = 0; i < 5; i++) replies.push(await c.readReply());
        const exec = /^\*2\r\n:(\d+)\r\n:(\d+)\r\n$/.exec(replies[3]);
        const mget = /^\*2\r\n\$\d+\r\n(\d+)\r\n\$\d+\r\n(\d+)\r\n$/.exec(replies[4]);
        if (exec === null || exec[1] !== exec[2] || mget === null || mget[1] !== mget[2]) torn.push(replies.join(''));
      }
    });
    const results = await Promise.all(movers.map((c, i) => incrBatches(c, keyOn(0, `mig-many-${i}-`), n / 16, 16)));
    running = false;
    await Promise.all(txLoops);
    for (const r of results) expect(r).toEqual(counting(1, n));
    expect(torn).toEqual([]);
    expect((await migratedIn(probe))[0]).toBe(before[0] + movers.length);
  } finally {
    for (const c of [...movers, ...txers]) c.close();
    probe.close();
  }
}, 60000);

it('CLIENT LIST and CLIENT KILL meet a client on its way to another thread', async () => {
  const probe = await RawClient.connect(srv.port);
  // The thread taking a client over waits before serving it: the move takes that long.
  expect(await probe.command('DEBUG', 'MIGRATE-DELAY', '1500')).toBe('+OK\r\n');
  const listed = await connectOn(srv.port, 1);
  const killed = await connectOn(srv.port, 1);
  try {
    expect(await listed.command('CLIENT', 'SETNAME', 'in-transit')).toBe('+OK\r\n');
    await untilInTransit(listed, probe, keyOn(0, 'mig-transit-a'));
    const list = await probe.command('CLIENT', 'LIST');
    expect(list.split('\n').filter((l) => l.includes(' name=in-transit ')).length).toBe(1);
    expect(await listed.command('CLIENT', 'GETNAME')).toBe('$10\r\nin-transit\r\n');

    const id = /^:(\d+)/.exec(await killed.command('CLIENT', 'ID'))![1];
    await untilInTransit(killed, probe, keyOn(0, 'mig-transit-b'));
    expect(await probe.command('CLIENT', 'KILL', 'ID', id)).toBe(':1\r\n');
    await killed.waitClosed();
    expect(await probe.command('CLIENT', 'LIST', 'ID', id)).toBe('$0\r\n\r\n');
  } finally {
    expect(await probe.command('DEBUG', 'MIGRATE-DELAY', '0')).toBe('+OK\r\n');
    listed.close();
    killed.close();
    probe.close();
  }
});
