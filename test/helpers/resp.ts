// A raw RESP client for byte-exact tests: send requests, read exactly one
// complete reply per request as raw bytes.

import net from 'node:net';

export function encodeCommand(args: (string | Buffer)[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const a of args) {
    const b = typeof a === 'string' ? Buffer.from(a, 'latin1') : a;
    parts.push(Buffer.from(`$${b.length}\r\n`), b, Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}

/** End offset of one complete RESP value at pos, or -1 when incomplete. */
export function replyEnd(b: Buffer, pos: number): number {
  if (pos >= b.length) return -1;
  const nl = b.indexOf('\r\n', pos);
  if (nl < 0) return -1;
  const t = String.fromCharCode(b[pos]);
  const head = b.toString('latin1', pos + 1, nl);
  const line = nl + 2;
  switch (t) {
    case '+': case '-': case ':': case '_': case ',': case '#': case '(':
      return line;
    case '$': case '!': case '=': {
      const n = Number(head);
      if (n < 0) return line;
      return b.length >= line + n + 2 ? line + n + 2 : -1;
    }
    case '*': case '~': case '>': case '%': case '|': {
      let n = Number(head);
      if (t === '%' || t === '|') n *= 2;
      let p = line;
      for (let i = 0; i < Math.max(n, 0); i++) {
        p = replyEnd(b, p);
        if (p < 0) return -1;
      }
      return p;
    }
    default:
      throw new Error(`bad reply type ${JSON.stringify(t)} in ${JSON.stringify(b.toString('latin1', pos, pos + 40))}`);
  }
}

export class RawClient {
  private sock: net.Socket;
  private buf = Buffer.alloc(0);
  private waiters: (() => void)[] = [];
  closed = false;

  private constructor(sock: net.Socket) {
    this.sock = sock;
    sock.on('data', (d) => {
      this.buf = Buffer.concat([this.buf, d]);
      this.wake();
    });
    sock.on('close', () => {
      this.closed = true;
      this.wake();
    });
    sock.on('error', () => {});
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  static connect(port: number, host = '127.0.0.1'): Promise<RawClient> {
    return RawClient.opened(net.connect(port, host));
  }

  /** A connection to the server's unix socket at `socketPath`. */
  static connectUnix(socketPath: string): Promise<RawClient> {
    return RawClient.opened(net.connect(socketPath));
  }

  private static opened(s: net.Socket): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      s.once('connect', () => resolve(new RawClient(s)));
      s.once('error', reject);
    });
  }

  write(data: string | Buffer): void {
    this.sock.write(data);
  }

  /** Read one full reply as raw latin1 text (throws on timeout). */
  async readReply(timeoutMs = 5000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const end = replyEnd(this.buf, 0);
      if (end >= 0) {
        const r = this.buf.toString('latin1', 0, end);
        this.buf = this.buf.subarray(end);
        return r;
      }
      if (this.closed) throw new Error('connection closed; pending: ' + JSON.stringify(this.buf.toString('latin1')));
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('timeout waiting for reply; pending: ' + JSON.stringify(this.buf.toString('latin1')));
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  async command(...args: (string | Buffer)[]): Promise<string> {
    this.write(encodeCommand(args));
    return this.readReply();
  }

  /** Wait until the server closes the connection; returns what was left unread. */
  async waitClosed(timeoutMs = 5000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    return this.buf.toString('latin1');
  }

  close(): void {
    this.sock.destroy();
  }
}
