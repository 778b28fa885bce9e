/**
 * Text fitted to a terminal's columns: the visible width of a string (colour codes count for
 * nothing), a cell's text wrapped to a column, and prose lines wrapped to the screen.
 */

/** SGR sequences (ECMA-48 `ESC [ … m`): chalk's colours and styles, zero columns wide. */
// eslint-disable-next-line no-control-regex
const SGR = /\x1b\[[0-9;]*m/g;
/** One SGR sequence or one code point: the units a line may be cut between. */
// eslint-disable-next-line no-control-regex
const UNITS = /\x1b\[[0-9;]*m|[\s\S]/gu;
/** Where a word may break: after `-` or `/` (not before a lone letter: `records/s`), or after a `,` not followed by a digit (`2,628`). */
const BREAK_AFTER = /(?<=[-/])(?![a-z]\b)|(?<=,)(?!\d)/i;

/** `text` without its colour codes. */
export function plainText(text: string): string {
  return text.replace(SGR, '');
}

/** Columns the widest line of `text` takes. Every character cdcpipe prints (box drawing, arrows, `…`) is one column. */
export function visibleWidth(text: string): number {
  let widest = 0;
  for (const line of text.split('\n')) widest = Math.max(widest, [...plainText(line)].length);
  return widest;
}

/**
 * `text` in lines of at most `width` columns: broken at spaces, else after `-`, `/` or `,` (names,
 * ARNs, S3 paths, lists; see BREAK_AFTER), else anywhere.
 * Each line after the first starts with `indent` (a hanging indent for prose). An undefined width
 * (stdout piped) leaves the text as it is.
 */
export function wrapText(text: string, width: number | undefined, indent = ''): string {
  if (width === undefined) return text;
  return text
    .split('\n')
    .map((line) => (visibleWidth(line) <= width ? line : wrapLine(line, Math.max(1, width), indent)))
    .join('\n');
}

function wrapLine(line: string, width: number, indent: string): string {
  const lines: string[] = [];
  // Leading spaces are the line's own indent: kept on its first line.
  let current = /^\s*/.exec(line)![0];
  let currentWidth = current.length;
  let space = '';
  const limit = () => Math.max(1, lines.length ? width - indent.length : width);
  for (const [i, word] of line.slice(current.length).split(/(\s+)/).entries()) {
    if (i % 2) {
      space = word;
      continue;
    }
    for (const piece of word.split(BREAK_AFTER)) {
      if (!piece) continue;
      const joined = currentWidth + (currentWidth ? visibleWidth(space) : 0) + visibleWidth(piece);
      if (joined <= limit()) {
        current += currentWidth ? space + piece : piece;
        currentWidth = joined;
      } else {
        if (currentWidth) lines.push(current);
        current = '';
        currentWidth = 0;
        // A piece wider than the line is cut, never inside a colour code.
        for (const unit of piece.match(UNITS) ?? []) {
          const unitWidth = unit.startsWith('\x1b') ? 0 : 1;
          if (currentWidth + unitWidth > limit()) {
            lines.push(current);
            current = '';
            currentWidth = 0;
          }
          current += unit;
          currentWidth += unitWidth;
        }
      }
      space = '';
    }
  }
  if (current || !lines.length) lines.push(current);
  return lines.map((l, i) => (i ? `${indent}${l}` : l)).join('\n');
}
