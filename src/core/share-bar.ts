/** A share of a whole (a shard's part of the hash-key space) drawn as a fixed-width bar. Pure. */

/**
 * `ratio` (0..1) as `width` cells, █ filled and ░ empty, rounded to the nearest cell. A share above 0
 * keeps at least one filled cell and a share below 1 at least one empty cell, so 0.1 % does not read
 * as nothing and 99.9 % not as everything.
 */
export function shareBar(ratio: number, width: number): string {
  if (!Number.isInteger(width) || width < 2) throw new RangeError(`bar width must be a whole number ≥ 2, got ${width}`);
  const r = Math.min(1, Math.max(0, Number.isFinite(ratio) ? ratio : 0));
  let filled = Math.round(r * width);
  if (r > 0 && filled === 0) filled = 1;
  if (r < 1 && filled === width) filled = width - 1;
  return '█'.repeat(filled) + '░'.repeat(width - filled);
}
