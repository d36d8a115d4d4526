/**
 * `npm run backtest:forecast`
 *
 * Backtest of the forecast over the demo organization: seeds the demo (90
 * days of history, on PGlite, with the clock fixed so the run is repeatable),
 * then for every day d with at least 14 days of history before it and h days
 * after it, makes the forecast from the usage before d only (the same pure
 * `forecast()` the API uses) and compares the consumption it projects over
 * [d, d + h) with what the organization actually used. Reports the mean
 * absolute percentage error (MAPE) for h = 7 and h = 30, for both paces.
 */
import { DateTime } from 'luxon';
import pino from 'pino';
import { sql } from 'drizzle-orm';
import { createApp } from '../src/app.js';
import { ManualClock } from '../src/clock.js';
import { openPglite, rows } from '../src/db/client.js';
import { DEMO_ORG, seedDemoIfEmpty } from '../src/demo/seed.js';
import { forecast } from '../src/domain/forecast.js';

const NOW = '2026-06-01T00:00:00Z';
const db = await openPglite(undefined);
const app = await createApp({ db, clock: new ManualClock(NOW), platformKey: 'tp_backtest-platform-key-0123456789', log: pino({ level: 'error' }) });
await seedDemoIfEmpty(app.ctx);
const [{ timezone }] = (await db.read((q) => rows<{ timezone: string }>(q, sql`select timezone from orgs where id = ${DEMO_ORG}`))) as [{ timezone: string }];
const found = await db.read((q) =>
  rows<{ day: string; credits: string }>(q, sql`select day::text as day, sum(credits)::text as credits from usage_daily where org_id = ${DEMO_ORG} group by 1 order by 1`),
);
const usage = new Map(found.map((r) => [r.day, BigInt(r.credits)]));
const first = DateTime.fromISO(found[0]!.day, { zone: timezone });
const last = DateTime.fromISO(found[found.length - 1]!.day, { zone: timezone });
const dayAt = (d: DateTime) => d.toISODate()!;

function mape(horizon: number, pace: 7 | 30): { mape: number; forecasts: number } {
  const errors: number[] = [];
  for (let d = first.plus({ days: 14 }); d.plus({ days: horizon - 1 }) <= last; d = d.plus({ days: 1 })) {
    const history: { date: string; credits: bigint }[] = [];
    for (let i = 30; i >= 1; i--) {
      const h = d.minus({ days: i });
      if (h >= first) history.push({ date: dayAt(h), credits: usage.get(dayAt(h)) ?? 0n });
    }
    const r = forecast({
      now: d.toJSDate(),
      zone: timezone,
      horizonDays: horizon - 1,
      history,
      usedToday: 0n,
      pace,
      period: { endsAt: d.plus({ years: 1 }).toJSDate(), used: 0n },
      cycle: null,
    });
    const predicted = r.days.reduce((a, x) => a + x.usage, 0n);
    let actual = 0n;
    for (let i = 0; i < horizon; i++) actual += usage.get(dayAt(d.plus({ days: i }))) ?? 0n;
    if (actual > 0n) errors.push(Math.abs(Number(predicted - actual)) / Number(actual));
  }
  return { mape: (100 * errors.reduce((a, b) => a + b, 0)) / errors.length, forecasts: errors.length };
}

console.log(`demo organization ${DEMO_ORG}: ${found.length} days of usage, ${found[0]!.day} to ${found[found.length - 1]!.day} (${timezone})`);
for (const horizon of [7, 30]) {
  for (const pace of [30, 7] as const) {
    const { mape: m, forecasts } = mape(horizon, pace);
    console.log(`horizon ${horizon} days, pace ${pace}d (weekday-aware): MAPE ${m.toFixed(1)}% over ${forecasts} forecasts`);
  }
}
await app.close();
await db.close();
