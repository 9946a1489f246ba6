// Tokenising and quoting exactly as Redis does for config lines (sdssplitargs) and
// for writing values back (sdscatrepr).

function isSpace(c: string): boolean {
  // C isspace() in the C locale.
  return c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\v' || c === '\f';
}

function hexVal(c: string): number {
  const n = c.charCodeAt(0);
  if (n >= 48 && n <= 57) return n - 48;
  if (n >= 97 && n <= 102) return n - 87;
  if (n >= 65 && n <= 70) return n - 55;
  return -1;
}

/**
 * Split a line into arguments. Double quotes allow \n \r \t \b \a \xHH and \<any>
 * escapes; single quotes allow only \'. A closing quote must be followed by a space
 * or the end of the line. Returns null for unbalanced quotes.
 */
export function splitArgs(line: string): string[] | null {
  const out: string[] = [];
  const n = line.length;
  let i = 0;
  for (;;) {
    while (i < n && isSpace(line[i]!)) i++;
    if (i >= n) return out;
    let cur = '';
    let inq = false;
    let insq = false;
    let done = false;
    while (!done) {
      const c = i < n ? line[i]! : '';
      if (inq) {
        if (c === '\\' && line[i + 1] === 'x' && i + 3 < n && hexVal(line[i + 2]!) >= 0 && hexVal(line[i + 3]!) >= 0) {
          cur += String.fromCharCode(hexVal(line[i + 2]!) * 16 + hexVal(line[i + 3]!));
          i += 3;
        } else if (c === '\\' && i + 1 < n) {
          i++;
          const e = line[i]!;
          cur += e === 'n' ? '\n' : e === 'r' ? '\r' : e === 't' ? '\t' : e === 'b' ? '\b' : e === 'a' ? '\x07' : e;
        } else if (c === '"') {
          if (i + 1 < n && !isSpace(line[i + 1]!)) return null;
          done = true;
        } else if (c === '') {
          return null;
        } else {
          cur += c;
        }
      } else if (insq) {
        if (c === '\\' && line[i + 1] === "'") {
          i++;
          cur += "'";
        } else if (c === "'") {
          if (i + 1 < n && !isSpace(line[i + 1]!)) return null;
          done = true;
        } else if (c === '') {
          return null;
        } else {
          cur += c;
        }
      } else if (c === ' ' || c === '\n' || c === '\r' || c === '\t' || c === '') {
        done = true;
      } else if (c === '"') {
        inq = true;
      } else if (c === "'") {
        insq = true;
      } else {
        cur += c;
      }
      if (i < n) i++;
    }
    out.push(cur);
  }
}

/** Quote a value the way Redis writes strings into a rewritten config file. */
export function repr(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    const code = s.charCodeAt(i);
    if (c === '\\' || c === '"') out += '\\' + c;
    else if (c === '\n') out += '\\n';
    else if (c === '\r') out += '\\r';
    else if (c === '\t') out += '\\t';
    else if (code === 7) out += '\\a';
    else if (code === 8) out += '\\b';
    else if (code >= 0x20 && code <= 0x7e) out += c;
    else out += '\\x' + (code & 0xff).toString(16).padStart(2, '0');
  }
  return out + '"';
}
