/**
 * Splitting an input into records, by bytes (no copy: each piece is a range of the input).
 *
 * - `splitLines`: one record per line (`\n`, with a `\r` before it dropped); empty lines are skipped.
 * - `splitDocuments`: Firehose archives. "By default, Firehose concatenates data without any delimiters"
 *   (Amazon Data Firehose Developer Guide); with AppendDelimiterToRecord each record is followed by a
 *   newline. DMS writes single-line JSON (json-unformatted) or pretty JSON over several lines (json). So
 *   documents are found by their brackets, with strings and escapes tracked: a newline or a brace inside
 *   a string never splits a document. Text between documents that is not JSON is taken a line at a time.
 */

export interface Piece {
  start: number;
  end: number;
  /** 1-based line number of the piece's first byte. */
  line: number;
  /** A JSON document whose end was not found before the input ended. */
  unterminated?: boolean;
}

const NL = 0x0a;
const CR = 0x0d;

function isSpace(b: number): boolean {
  return b === 0x20 || b === 0x09 || b === NL || b === CR;
}

export function splitLines(bytes: Uint8Array): Piece[] {
  const out: Piece[] = [];
  let line = 1;
  let start = 0;
  const n = bytes.length;
  while (start < n) {
    let end = bytes.indexOf(NL, start);
    if (end < 0) end = n;
    let stop = end;
    if (stop > start && bytes[stop - 1] === CR) stop--;
    if (!isBlank(bytes, start, stop)) out.push({ start, end: stop, line });
    start = end + 1;
    line++;
  }
  return out;
}

function isBlank(bytes: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (!isSpace(bytes[i]!)) return false;
  return true;
}

export function splitDocuments(bytes: Uint8Array): Piece[] {
  const out: Piece[] = [];
  const n = bytes.length;
  let line = 1;
  let i = 0;
  while (i < n) {
    const b = bytes[i]!;
    if (isSpace(b)) {
      if (b === NL) line++;
      i++;
      continue;
    }
    const startLine = line;
    if (b !== 0x7b /* { */ && b !== 0x5b /* [ */) {
      // Not a JSON document: the rest of the line is one record.
      let end = bytes.indexOf(NL, i);
      if (end < 0) end = n;
      let stop = end;
      if (stop > i && bytes[stop - 1] === CR) stop--;
      out.push({ start: i, end: stop, line: startLine });
      i = end;
      continue;
    }
    const start = i;
    let depth = 0;
    let inString = false;
    let done = false;
    for (; i < n; i++) {
      const c = bytes[i]!;
      if (c === NL) line++;
      if (inString) {
        if (c === 0x5c /* \ */) {
          i++;
          if (bytes[i] === NL) line++;
        } else if (c === 0x22 /* " */) inString = false;
        continue;
      }
      if (c === 0x22) inString = true;
      else if (c === 0x7b || c === 0x5b) depth++;
      else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
        depth--;
        if (depth === 0) {
          i++;
          done = true;
          break;
        }
      }
    }
    out.push(done ? { start, end: i, line: startLine } : { start, end: n, line: startLine, unterminated: true });
  }
  return out;
}

/** Does the input open with a JSON object or array (after blank space)? */
export function startsWithJson(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (isSpace(b)) continue;
    return b === 0x7b || b === 0x5b;
  }
  return false;
}

/** Line number of the last complete line's end + 1: where a cut-off input stops making sense. */
export function lastCompleteLine(bytes: Uint8Array): { end: number; nextLine: number } {
  const end = bytes.lastIndexOf(NL) + 1;
  let lines = 1;
  for (let i = 0; i < end; i++) if (bytes[i] === NL) lines++;
  return { end, nextLine: lines };
}
