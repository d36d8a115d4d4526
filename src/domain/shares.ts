/** A part of a whole as a fraction rounded half-up to 4 decimals (0.4213): display only, never money. */
export function shareOf(part: bigint, whole: bigint): number {
  if (whole <= 0n) return 0;
  const tenThousandths = (part * 20_000n + whole) / (2n * whole);
  return Number(tenThousandths) / 10_000;
}

/** used ÷ limit as a percentage with one decimal (87.5); null without a positive limit. */
export function percentOf(used: bigint, limit: bigint | null): number | null {
  if (limit === null || limit <= 0n) return null;
  const tenths = (used * 2_000n + limit) / (2n * limit);
  return Number(tenths) / 10;
}
