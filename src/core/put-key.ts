/**
 * `put --key <template>`: where a record's partition key comes from when its input does not carry one.
 * Pure: the record's JSON, its line number and a random source are arguments.
 *
 *   %{data.id}          a value from the record's JSON document (dot-separated path, array indexes as numbers)
 *   %n                  the line number in its file or object
 *   %%                  a literal %
 *   anything else       as written (a fixed key)
 *   random              a new random key per record (spreads load evenly, keeps no order)
 *   auto                the DMS `metadata.partition-key-value` when the record carries one, else random
 */
import { PARTITION_KEY_MAX_CHARS } from './limits.js';
import { UsageError } from '../errors.js';

type Part = { text: string } | { path: string[] } | { lineNumber: true };

export type KeyTemplate = { kind: 'random' } | { kind: 'auto' } | { kind: 'parts'; parts: Part[]; usesJson: boolean };

export interface KeyContext {
  /** The record's JSON document, parsed on demand; undefined when it is not JSON. */
  json(): unknown;
  line: number;
  random(): number;
}

export function parseKeyTemplate(raw: string, flag = '--key'): KeyTemplate {
  if (raw === 'random') return { kind: 'random' };
  if (raw === 'auto') return { kind: 'auto' };
  const accepts = 'a template such as %{data.id}, %{metadata.table-name}-%n, a fixed key, random or auto';
  if (raw === '') throw new UsageError(`${flag}: expected ${accepts}, got ''`);
  const parts: Part[] = [];
  let text = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (c !== '%') {
      text += c;
      continue;
    }
    const next = raw[i + 1];
    if (next === '%') {
      text += '%';
      i++;
    } else if (next === 'n') {
      if (text) parts.push({ text });
      text = '';
      parts.push({ lineNumber: true });
      i++;
    } else if (next === '{') {
      const end = raw.indexOf('}', i + 2);
      const path = end < 0 ? '' : raw.slice(i + 2, end);
      if (!path || path.split('.').some((s) => s === '')) throw new UsageError(`${flag}: '${raw}' has an unclosed or empty %{…}; expected ${accepts}`);
      if (text) parts.push({ text });
      text = '';
      parts.push({ path: path.split('.') });
      i = end;
    } else {
      throw new UsageError(`${flag}: unknown code %${next ?? ''} in '${raw}'; expected %{path}, %n or %% (${accepts})`);
    }
  }
  if (text) parts.push({ text });
  return { kind: 'parts', parts, usesJson: parts.some((p) => 'path' in p) };
}

/** The key, or why there is none (the record is then reported as bad). */
export function renderKey(template: KeyTemplate, ctx: KeyContext): { key: string } | { error: string } {
  if (template.kind === 'random') return { key: randomKey(ctx.random) };
  if (template.kind === 'auto') {
    const doc = ctx.json();
    const value = lookup(doc, ['metadata', 'partition-key-value']);
    return { key: typeof value === 'string' && value !== '' ? cutKey(value) : randomKey(ctx.random) };
  }
  let key = '';
  for (const part of template.parts) {
    if ('text' in part) key += part.text;
    else if ('lineNumber' in part) key += String(ctx.line);
    else {
      const doc = ctx.json();
      if (doc === undefined) return { error: `--key %{${part.path.join('.')}}: the record is not a JSON document` };
      const value = lookup(doc, part.path);
      if (value === undefined || value === null || typeof value === 'object') {
        return { error: `--key %{${part.path.join('.')}}: ${value === undefined ? 'not found' : `is ${value === null ? 'null' : 'an object'}`} in the record` };
      }
      key += String(value);
    }
  }
  if (key === '') return { error: '--key: the key is empty (Kinesis needs 1..256 characters)' };
  if ([...key].length > PARTITION_KEY_MAX_CHARS) return { error: `--key: the key has ${[...key].length} characters, more than Kinesis's ${PARTITION_KEY_MAX_CHARS}` };
  return { key };
}

function lookup(doc: unknown, path: string[]): unknown {
  let v: unknown = doc;
  for (const seg of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = Array.isArray(v) ? (/^\d+$/.test(seg) ? v[Number(seg)] : undefined) : Object.hasOwn(v, seg) ? (v as Record<string, unknown>)[seg] : undefined;
  }
  return v;
}

function randomKey(random: () => number): string {
  return Math.floor(random() * 2 ** 52).toString(36).padStart(11, '0');
}

/** DMS partition key values are short; a longer one keeps its first 256 characters (Kinesis API Reference, PutRecord). */
function cutKey(key: string): string {
  const chars = [...key];
  return chars.length > PARTITION_KEY_MAX_CHARS ? chars.slice(0, PARTITION_KEY_MAX_CHARS).join('') : key;
}
