/**
 * The layering of docs/architecture.md, read from the imports: a change that breaks it fails here.
 * Also the size rules: no source file over 450 lines, no command file over 150.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = new URL('../../src/', import.meta.url).pathname;

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

/** Every relative import of a file (static and dynamic), as a path under src/. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs = [...text.matchAll(/(?:from\s+|import\s*\(\s*)'(\.[^']+)'/g)].map((m) => m[1]!);
  return specs.map((s) => relative(SRC, join(file, '..', s)));
}

const ALL = files(SRC);
const layer = (f: string) => relative(SRC, f).split('/')[0]!;

describe('layers (docs/architecture.md)', () => {
  it.each([
    ['core', ['aws', 'services', 'render', 'commands', 'local', 'io']],
    ['aws', ['services', 'commands', 'render']],
    ['services', ['commands']],
    ['render', ['commands', 'aws']],
  ])('src/%s imports nothing from %j', (from, forbidden) => {
    const offending = ALL.filter((f) => layer(f) === from).flatMap((f) =>
      importsOf(f)
        .filter((target) => forbidden.includes(target.split('/')[0]!))
        .map((target) => `${relative(SRC, f)} → ${target}`),
    );
    expect(offending).toEqual([]);
  });

  it('render imports services for types only', () => {
    const offending = ALL.filter((f) => layer(f) === 'render').flatMap((f) => {
      const text = readFileSync(f, 'utf8');
      return [...text.matchAll(/^import (?!type )[^;]*'(\.\.\/services\/[^']+)'/gm)].map((m) => `${relative(SRC, f)} → ${m[1]}`);
    });
    expect(offending).toEqual([]);
  });
});

describe('sizes', () => {
  const lines = (f: string) => readFileSync(f, 'utf8').split('\n').length - 1;
  it('no file in src/ is over 450 lines', () => {
    expect(ALL.filter((f) => lines(f) > 450).map((f) => `${relative(SRC, f)}: ${lines(f)}`)).toEqual([]);
  });
  it('no command file is over 150 lines', () => {
    expect(ALL.filter((f) => layer(f) === 'commands' && lines(f) > 150).map((f) => `${relative(SRC, f)}: ${lines(f)}`)).toEqual([]);
  });
  it('no source comment cites files outside the repository', () => {
    expect(ALL.filter((f) => /FACTS\.md|STYLE\.md|CONTRACT\.md|\.\.\/shared\//.test(readFileSync(f, 'utf8'))).map((f) => relative(SRC, f))).toEqual([]);
  });
});
