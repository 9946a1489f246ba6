// Redis-compatible glob matching (the semantics of Redis's stringmatchlen):
//   *       any run of characters, including none
//   ?       exactly one character
//   [abc]   one of the listed characters; [a-z] ranges (reversed ranges work too);
//           [^...] negates; \x inside brackets matches x literally
//   \x      the character x literally
// With nocase, ASCII letters compare case-insensitively (C locale tolower).
// Strings are compared by UTF-16 code unit, which for the one-byte (latin1) strings
// this server uses is exactly Redis's byte comparison.
// Shared by CONFIG GET, KEYS, SCAN MATCH, PSUBSCRIBE and friends.
// As in Redis, the empty string matches no pattern ("*" included): KEYS and SCAN
// treat the pattern "*" specially and skip matching altogether.

function lower(c: number): number {
  return c >= 65 && c <= 90 ? c + 32 : c;
}

/** True when `str` matches the glob `pattern`. */
export function stringMatch(pattern: string, str: string, nocase = false): boolean {
  // `giveUp` is set once a '*' has tried every start position for the rest of the
  // pattern without success: no longer match for an earlier '*' can help either,
  // which keeps patterns like "a*a*a*a*b" from taking exponential time.
  const giveUp = { v: false };
  return matchFrom(pattern, 0, str, 0, nocase, giveUp);
}

function matchFrom(
  pat: string,
  p: number,
  str: string,
  s: number,
  nocase: boolean,
  giveUp: { v: boolean },
): boolean {
  const plen = pat.length;
  const slen = str.length;
  while (p < plen && s < slen) {
    const pc = pat.charCodeAt(p);
    if (pc === 42 /* * */) {
      while (p + 1 < plen && pat.charCodeAt(p + 1) === 42) p++;
      if (p + 1 === plen) return true;
      for (; s < slen; s++) {
        if (matchFrom(pat, p + 1, str, s, nocase, giveUp)) return true;
        if (giveUp.v) return false;
      }
      giveUp.v = true;
      return false;
    } else if (pc === 63 /* ? */) {
      s++;
    } else if (pc === 91 /* [ */) {
      p++;
      const not = p < plen && pat.charCodeAt(p) === 94; /* ^ */
      if (not) p++;
      const c = str.charCodeAt(s);
      let match = false;
      for (;;) {
        if (p >= plen) {
          // Unterminated class: step back so the final p++ below lands on the end.
          p--;
          break;
        }
        const cc = pat.charCodeAt(p);
        if (cc === 92 /* \ */ && p + 1 < plen) {
          p++;
          if (pat.charCodeAt(p) === c) match = true;
        } else if (cc === 93 /* ] */) {
          break;
        } else if (p + 2 < plen && pat.charCodeAt(p + 1) === 45 /* - */) {
          let start = cc;
          let end = pat.charCodeAt(p + 2);
          let ch = c;
          if (start > end) {
            const t = start;
            start = end;
            end = t;
          }
          if (nocase) {
            start = lower(start);
            end = lower(end);
            ch = lower(ch);
          }
          p += 2;
          if (ch >= start && ch <= end) match = true;
        } else if (nocase ? lower(cc) === lower(c) : cc === c) {
          match = true;
        }
        p++;
      }
      if (not) match = !match;
      if (!match) return false;
      s++;
    } else {
      let lit = pc;
      if (pc === 92 /* \ */ && p + 1 < plen) {
        p++;
        lit = pat.charCodeAt(p);
      }
      const c = str.charCodeAt(s);
      if (nocase ? lower(lit) !== lower(c) : lit !== c) return false;
      s++;
    }
    p++;
    if (s === slen) {
      while (p < plen && pat.charCodeAt(p) === 42) p++;
      break;
    }
  }
  return p === plen && s === slen;
}
