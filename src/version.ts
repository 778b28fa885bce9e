import { readFileSync } from 'node:fs';

/**
 * The package version, from the nearest package.json named cdcpipe above this module (dist/,
 * dist/bundle/ or src/ under vitest).
 */
function readVersion(): string {
  for (let dir = new URL('./', import.meta.url); ; dir = new URL('../', dir)) {
    try {
      const pkg = JSON.parse(readFileSync(new URL('package.json', dir), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'cdcpipe' && pkg.version) return pkg.version;
    } catch {
      // no package.json here: look one level up
    }
    if (dir.pathname === '/') return '0.0.0';
  }
}

export const VERSION: string = readVersion();
