// The project's native addons (native/, built by `npm install` / `npm run
// install`): native/build/Release/<name>.node, loaded once per thread. One
// that is not built is null, and its loader's message says why.

import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const load = createRequire(import.meta.url);
const addons = new Map<string, unknown>();
const errors = new Map<string, string>();

/** Addon `name` (keydb_lua, keydb_bell, keydb_fd, keydb_net), or null when it cannot be loaded. */
export function nativeAddon<T>(name: string): T | null {
  if (addons.has(name)) return addons.get(name) as T;
  let addon: T | null = null;
  try {
    addon = load(path.join(root, 'native/build/Release', `${name}.node`)) as T;
  } catch (e) {
    errors.set(name, (e as Error).message);
  }
  addons.set(name, addon);
  return addon;
}

/** Why addon `name` could not be loaded ('' when it was, or was not tried). */
export function nativeAddonError(name: string): string {
  return errors.get(name) ?? '';
}
