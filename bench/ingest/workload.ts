/**
 * The ingest benchmark's workload: its knobs (environment), the meters and
 * organizations it sets up, and the batches of events, generated from a
 * seeded PRNG so every run sends the same events.
 */
import { parseMicro } from '../../src/domain/money.js';
import type { MeterPrice } from '../../src/domain/rating.js';
import { intEnv } from '../common.js';

export const TOTAL = intEnv('BENCH_EVENTS', 200_000, 1_000, 2_000_000);
export const ORGS = intEnv('BENCH_ORGS', 20, 1, 1_000);
export const BATCH = intEnv('BENCH_BATCH', 1_000, 1, 1_000);
export const CLIENTS = intEnv('BENCH_CLIENTS', 6, 1, 64);
export const ORGS_PER_BATCH = intEnv('BENCH_ORGS_PER_BATCH', 1, 1, ORGS);
export const MIXED_ORGS = Math.min(intEnv('BENCH_MIXED_ORGS', 20, 1, 1_000), ORGS);
export const TIMEOUT_S = intEnv('BENCH_TIMEOUT_S', 300, 10, 3_600);
export const DUP_RATE = Number(process.env.BENCH_DUPLICATES ?? '0.05');
if (!(DUP_RATE >= 0 && DUP_RATE < 0.5)) throw new Error('BENCH_DUPLICATES must be a fraction from 0 to 0.5.');

/** A small seeded PRNG (mulberry32): the same workload on every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const METERS: Record<string, { body: Record<string, unknown>; price: MeterPrice }> = {
  tokens: {
    body: { name: 'Tokens', unit: 'tokens', category: 'agent_chat', aggregation: 'sum', unit_price: '0.001', price_currency: 'credits' },
    price: { aggregation: 'sum', unitPrice: parseMicro('0.001'), priceCurrency: 'credits', resourceClassPrices: {} },
  },
  gpu: {
    body: {
      name: 'GPU hours',
      unit: 'hours',
      category: 'training',
      aggregation: 'sum',
      unit_price: '2',
      price_currency: 'usd',
      resource_class_prices: { a100: '3.5', h100: '6' },
    },
    price: {
      aggregation: 'sum',
      unitPrice: parseMicro('2'),
      priceCurrency: 'usd',
      resourceClassPrices: { a100: parseMicro('3.5'), h100: parseMicro('6') },
    },
  },
  runs: {
    body: { name: 'Workflow runs', unit: 'runs', category: 'workflows', aggregation: 'count', unit_price: '0.25', price_currency: 'credits' },
    price: { aggregation: 'count', unitPrice: parseMicro('0.25'), priceCurrency: 'credits', resourceClassPrices: {} },
  },
};
export const CREDIT_FACTOR = '100'; // credits per $1
export const ZONES = ['UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Tokyo'];
export const orgId = (i: number) => `bench-org-${String(i).padStart(3, '0')}`;

export interface BenchEvent {
  id: string;
  org: string;
  meter: string;
  quantity: string;
  timestamp: string;
  user: string;
  project: string;
  resource_class?: string;
  job_id?: string;
  job_name?: string;
  properties?: Record<string, unknown>;
}

export interface Batch {
  body: string;
  events: number;
}

/**
 * The batches, serialized before the clock starts. Batch b holds events of
 * ORGS_PER_BATCH organizations (consecutive, round robin). A share DUP_RATE of
 * each batch repeats events already sent for the same organizations (an
 * earlier batch when there is one, else earlier in the same batch), so exactly
 * that share is answered `duplicate`, whatever the order batches land in.
 */
export function makeWorkload(now: number, orgsPerBatch = ORGS_PER_BATCH, seed = 20260310): { batches: Batch[]; unique: BenchEvent[] } {
  const rnd = prng(seed);
  const hex = (n: number) => Array.from({ length: n }, () => Math.floor(rnd() * 16).toString(16)).join('');
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const sentByOrg: BenchEvent[][] = Array.from({ length: ORGS }, () => []);
  const unique: BenchEvent[] = [];
  const batches: Batch[] = [];
  const batchCount = Math.ceil(TOTAL / BATCH);
  for (let b = 0; b < batchCount; b++) {
    const size = Math.min(BATCH, TOTAL - b * BATCH);
    const orgs = Array.from({ length: orgsPerBatch }, (_, j) => (b * orgsPerBatch + j) % ORGS);
    const dups = Math.round(size * DUP_RATE);
    const fresh: BenchEvent[] = [];
    for (let i = 0; i < size - dups; i++) {
      const org = orgs[i % orgs.length]!;
      const roll = rnd();
      const ts = new Date(now - Math.floor(rnd() * 3_600_000)).toISOString();
      const base = { id: `evt_${hex(24)}`, org: orgId(org), timestamp: ts, user: `user-${Math.floor(rnd() * 50)}`, project: `proj-${Math.floor(rnd() * 8)}` };
      let e: BenchEvent;
      if (roll < 0.7) {
        e = { ...base, meter: 'tokens', quantity: String(1 + Math.floor(rnd() * 5_000)) };
        if (rnd() < 0.1) e.properties = { model: pick(['small', 'medium', 'large']), cached: rnd() < 0.5 };
      } else if (roll < 0.8) {
        e = { ...base, meter: 'gpu', quantity: (0.01 + Math.floor(rnd() * 50) / 100).toFixed(2) };
        if (rnd() < 0.6) e.resource_class = pick(['a100', 'h100', 't4']);
      } else {
        const job = Math.floor(rnd() * 200);
        e = { ...base, meter: 'runs', quantity: '1', job_id: `job-${job}`, job_name: `Nightly job ${job}` };
      }
      fresh.push(e);
    }
    const repeats: BenchEvent[] = [];
    for (let i = 0; i < dups; i++) {
      const org = orgs[i % orgs.length]!;
      const earlier = sentByOrg[org]!;
      const pool = earlier.length > 0 ? earlier : fresh.filter((e) => e.org === orgId(org));
      repeats.push(pick(pool.length > 0 ? pool : fresh));
    }
    for (const e of fresh) sentByOrg[Number(e.org.slice(-3))]!.push(e);
    unique.push(...fresh);
    const events = [...fresh, ...repeats];
    batches.push({ body: JSON.stringify({ events }), events: events.length });
  }
  return { batches, unique };
}
