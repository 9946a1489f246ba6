// Arguments as Redis's C code sees them: a NUL byte ends a C string, so
// Redis compares options, parses ranges and prints arguments ("%s") only up
// to the first NUL.

/** The part of s a C string function sees (up to the first NUL byte). */
export function cstr(s: string): string {
  const z = s.indexOf('\0');
  return z < 0 ? s : s.slice(0, z);
}
