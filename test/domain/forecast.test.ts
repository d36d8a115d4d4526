import { describe, expect, it } from 'vitest';
import { burnRate, forecast, type ForecastBlock, type ForecastParams } from '../../src/domain/forecast.js';

const C = 1_000_000n; // one credit in micro-credits
const zone = 'UTC';
const now = new Date('2026-03-10T00:00:00Z'); // a Tuesday, start of day

/** `n` complete days of history ending yesterday, with usage per day from `f`. */
function history(n: number, f: (date: string, i: number) => bigint) {
  return Array.from({ length: n }, (_, i) => {
    const date = new Date(now.getTime() - (n - i) * 86_400_000).toISOString().slice(0, 10);
    return { date, credits: f(date, i) };
  });
}

function block(id: string, remaining: bigint, extra: Partial<ForecastBlock> = {}): ForecastBlock {
  return { id, grantId: `g_${id}`, source: 'included', priority: 50, startsAt: new Date('2026-01-01T00:00:00Z'), expiresAt: null, seq: 1n, remaining, ...extra };
}

function params(over: Partial<ForecastParams>): ForecastParams {
  return {
    now,
    zone,
    horizonDays: 90,
    history: history(30, () => 10n * C),
    usedToday: 0n,
    ledger: { blocks: [block('a', 1000n * C)], held: 0n, recharge: null },
    period: { endsAt: new Date('2026-04-01T00:00:00Z'), used: 90n * C },
    cycle: null,
    ...over,
  };
}

const dayOf = (r: ReturnType<typeof forecast>, date: string) => r.days.find((d) => d.date === date)!;

describe('burnRate', () => {
  it.each([
    ['steady 30 days', history(30, () => 10n * C), 10n * C, 10n * C, 7, 30],
    ['3 days only: the days with history', history(3, (_, i) => BigInt(i + 1) * C), 2n * C, 2n * C, 3, 3],
    ['recent doubling', history(30, (_, i) => (i >= 23 ? 20n : 10n) * C), 20n * C, (23n * 10n + 7n * 20n) * C / 30n, 7, 30],
    ['no history', [], 0n, 0n, 0, 0],
  ] as const)('%s', (_, h, r7, r30, d7, d30) => {
    const b = burnRate([...h]);
    expect([b.rate7, b.rate30, b.days7, b.days30]).toEqual([r7, r30, d7, d30]);
  });

  it('is weekday-aware from 14 days: weekdays burn 14, weekends 0', () => {
    const h = history(28, (date) => ([0, 6].includes(new Date(date).getUTCDay()) ? 0n : 14n * C));
    const b = burnRate(h);
    expect(b.weekdayAware).toBe(true);
    expect(b.weekday).toEqual([14n * C, 14n * C, 14n * C, 14n * C, 14n * C, 0n, 0n]);
  });
});

describe('forecast', () => {
  it('steady burn: 1000 credits at 10 a day run out on day 100, beyond a 90-day horizon', () => {
    const r = forecast(params({}));
    expect(r.runOutDate).toBeNull();
    expect(dayOf(r, '2026-03-10').balance).toBe(990n * C);
    expect(r.days.at(-1)!.balance).toBe(1000n * C - 91n * 10n * C);
  });

  it('steady synthetic burn: the run-out date is predicted to the day', () => {
    // 250 credits, 10 a day from Mar 10: Mar 10..Mar 3 + 24 days pay in full, Apr 4 cannot.
    const r = forecast(params({ ledger: { blocks: [block('a', 245n * C)], held: 0n, recharge: null } }));
    expect(r.runOutDate).toBe('2026-04-03');
    expect(dayOf(r, '2026-04-02').balance).toBe(5n * C);
    expect(dayOf(r, '2026-04-03').unpaid).toBe(5n * C);
  });

  it('weekday pattern: weekend days burn nothing', () => {
    const h = history(28, (date) => ([0, 6].includes(new Date(date).getUTCDay()) ? 0n : 14n * C));
    const r = forecast(params({ history: h }));
    expect(dayOf(r, '2026-03-14').usage).toBe(0n); // Saturday
    expect(dayOf(r, '2026-03-16').usage).toBe(14n * C); // Monday
    expect(dayOf(r, '2026-03-15').balance).toBe(1000n * C - 4n * 14n * C);
  });

  it('pending disbursement starts on its date and postpones the run-out', () => {
    const pending = block('p', 100n * C, { startsAt: new Date('2026-03-15T00:00:00Z'), seq: 2n });
    const r = forecast(params({ ledger: { blocks: [block('a', 50n * C), pending], held: 0n, recharge: null } }));
    expect(dayOf(r, '2026-03-14').balance).toBe(0n);
    expect(dayOf(r, '2026-03-15').started).toBe(100n * C);
    expect(dayOf(r, '2026-03-15').balance).toBe(90n * C);
    expect(r.runOutDate).toBe('2026-03-25'); // 150 credits pay 15 days: Mar 10..24
  });

  it('expiry mid-horizon: the unused rest is projected waste and the balance drops', () => {
    const expiring = block('x', 100n * C, { expiresAt: new Date('2026-03-13T00:00:00Z'), priority: 50 });
    const r = forecast(params({ ledger: { blocks: [block('a', 500n * C, { seq: 2n }), expiring], held: 0n, recharge: null } }));
    // Expiring first (earliest expiry): Mar 10, 11, 12 take 30 from it; 70 expire at the end of Mar 12.
    expect(r.waste).toEqual([{ blockId: 'x', grantId: 'g_x', date: '2026-03-12', expiresAt: new Date('2026-03-13T00:00:00Z'), amount: 70n * C }]);
    expect(r.wasteTotal).toBe(70n * C);
    expect(dayOf(r, '2026-03-12').balance).toBe(500n * C);
    expect(dayOf(r, '2026-03-13').balance).toBe(490n * C);
  });

  it('auto-recharge buys within its monthly cap, then the credit runs out', () => {
    const recharge = { threshold: 20n * C, amount: 50n * C, maxPerMonth: 2, startedThisMonth: 1 };
    const r = forecast(params({ ledger: { blocks: [block('a', 40n * C)], held: 0n, recharge } }));
    // Mar 11 leaves 20 → no buy (not below); Mar 12 leaves 10 → one buy (+50 = 60), the cap is reached.
    expect(dayOf(r, '2026-03-12').recharged).toBe(50n * C);
    expect(r.days.filter((d) => d.date < '2026-04-01').reduce((a, d) => a + d.recharged, 0n)).toBe(50n * C);
    expect(r.runOutDate).toBe('2026-03-19'); // 40 + 50 pay 9 days: Mar 10..18
    // April: the cap resets and two purchases are allowed again.
    expect(r.days.filter((d) => d.date.startsWith('2026-04')).reduce((a, d) => a + d.recharged, 0n)).toBe(100n * C);
  });

  it('zero usage: nothing runs out, nothing projected', () => {
    const r = forecast(params({ history: history(30, () => 0n) }));
    expect(r.runOutDate).toBeNull();
    expect(r.days.every((d) => d.usage === 0n && d.balance === 1000n * C)).toBe(true);
    expect(r.period).toEqual({ used: 90n * C, rest: 0n, total: 90n * C });
    expect(r.renewal).toBeNull();
  });

  it('period and cycle consumption: rest of today counts what is left of the pace', () => {
    const r = forecast(
      params({
        now: new Date('2026-03-10T12:00:00Z'),
        usedToday: 4n * C,
        cycle: { endsAt: new Date('2026-03-12T12:00:00Z'), used: 30n * C },
      }),
    );
    // Rest of today: 10 − 4 = 6 over the half day left; Mar 11: 10; Mar 12 until noon: 5.
    expect(r.cycle).toEqual({ used: 30n * C, rest: 21n * C, total: 51n * C });
    // Period to Apr 1: 6 + 21 × 10.
    expect(r.period.rest).toBe(216n * C);
  });

  it('early renewal: run-out before the next included grant gives the shortfall', () => {
    const next = block('n', 300n * C, { startsAt: new Date('2026-04-01T00:00:00Z'), seq: 2n });
    const r = forecast(params({ ledger: { blocks: [block('a', 100n * C), next], held: 0n, recharge: null } }));
    expect(r.runOutDate).toBe('2026-03-20'); // 100 credits pay Mar 10..19
    // Mar 10..Mar 31 is 22 days × 10 = 220 needed, 100 held: 120 short before Apr 1.
    expect(r.renewal).toMatchObject({ date: '2026-04-01', shortfall: 120n * C });
  });

  it('member allocation resets at the cycle end', () => {
    const r = forecast(
      params({
        ledger: undefined,
        allocation: { remaining: 25n * C, perCycle: 100n * C },
        cycle: { endsAt: new Date('2026-03-13T00:00:00Z'), used: 75n * C },
        cycleEnds: [new Date('2026-03-13T00:00:00Z'), new Date('2026-03-23T00:00:00Z')],
        horizonDays: 20,
      }),
    );
    expect(r.runOutDate).toBe('2026-03-12');
    expect(dayOf(r, '2026-03-12').unpaid).toBe(5n * C);
    expect(dayOf(r, '2026-03-13').balance).toBe(90n * C);
    expect(dayOf(r, '2026-03-22').balance).toBe(0n);
    expect(dayOf(r, '2026-03-23').balance).toBe(90n * C);
    expect(r.renewal).toMatchObject({ date: '2026-03-13', shortfall: 5n * C });
  });
});
