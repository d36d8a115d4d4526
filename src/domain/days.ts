/**
 * Calendar arithmetic on "YYYY-MM-DD" days (a date in some organization's
 * zone, so date-only: no daylight-saving trap). No library, so the dashboard
 * imports it too without carrying a date library.
 */
export function addDays(day: string, n: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

/** The first day of the month a day is in. */
export function firstOfMonth(day: string): string {
  return `${day.slice(0, 7)}-01`;
}
