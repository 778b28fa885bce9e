/**
 * Names close to one that was not found, for a "did you mean …?" hint. Pure.
 *
 * Close means, ignoring case: at most two edits apart (insert, delete, replace, or swap two neighbours:
 * the optimal-string-alignment distance), fewer for short names so `s1` does not suggest every
 * two-character name; or one name is the start of the other and at least half of it (`orders` for
 * `orders-cdc`, not `ord`).
 */

/** Edits allowed for a name of this length: 2, or fewer below 6 characters (one per three). */
export function maxEditsFor(name: string): number {
  return Math.min(2, Math.floor(name.length / 3));
}

/** Optimal-string-alignment distance: insertions, deletions, substitutions and adjacent swaps. */
export function editDistance(a: string, b: string): number {
  const rows: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) rows[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = d;
    }
  }
  return rows[a.length]![b.length]!;
}

/** The shorter name starts the longer one and is at least half of it (and 3 characters or more). */
function startsTheOther(a: string, b: string): boolean {
  const [short, long] = a.length <= b.length ? [a, b] : [b, a];
  return short.length >= 3 && short.length * 2 >= long.length && long.startsWith(short);
}

/** Up to `max` candidates close to `name`, closest first (then by name); never `name` itself. */
export function similarNames(name: string, candidates: readonly string[], max = 3): string[] {
  const wanted = name.toLowerCase();
  const limit = maxEditsFor(name);
  return candidates
    .filter((c) => c !== name)
    .map((c) => ({ c, d: editDistance(wanted, c.toLowerCase()), prefix: startsTheOther(wanted, c.toLowerCase()) }))
    .filter((x) => x.d <= limit || x.prefix)
    .sort((x, y) => x.d - y.d || (x.c < y.c ? -1 : 1))
    .slice(0, max)
    .map((x) => x.c);
}

/** `did you mean 'a'?`, `did you mean 'a' or 'b'?`, `did you mean 'a', 'b' or 'c'?`; undefined for none. */
export function didYouMean(names: readonly string[]): string | undefined {
  if (names.length === 0) return undefined;
  const quoted = names.map((n) => `'${n}'`);
  const last = quoted.pop()!;
  return `did you mean ${quoted.length ? `${quoted.join(', ')} or ${last}` : last}?`;
}
