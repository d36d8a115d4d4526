import { seedDemoIfEmpty } from '../demo/seed.js';
import { CONNECTION_HELP, flag, out, UsageError, withConnection, type Args, type Command } from './common.js';

const BATCH = 1000;
const DAY_MS = 86_400_000;

export const seedCommand: Command = {
  name: 'seed',
  summary: 'seed the demo organization, or a load-test organization of a given size',
  help: `Usage:
  tally seed --data-dir DIR | --database-url URL      the demo (Northwind Labs, 90 days of history) into an empty database
  tally seed --events N [--org ID] [--days D] [--members M]
                                                      a load-test organization with N usage events over the last D days

  --events   how many usage events to send (load test); without it, the demo is seeded
  --org      the organization to create, default load-<time>
  --days     the days the events spread over, default 7 (at most 30, inside the grace window)
  --members  how many members the events name, default 20

The demo runs the services on a simulated clock, so it writes the database directly (--data-dir or
--database-url, with the server stopped). A load test goes through the API like any client.

${CONNECTION_HELP}`,
  async run(args: Args) {
    const events = flag(args, 'events');
    if (events === undefined) {
      if (!args.flags.has('data-dir') && !args.flags.has('database-url')) {
        throw new UsageError(
          'The demo is written to the database directly: stop the server and pass --data-dir (or --database-url), or pass --events N to seed a load-test organization through the server.',
        );
      }
      return withConnection(args, async ({ ctx }) => {
        const seeded = await seedDemoIfEmpty(ctx!, () => out('seeding the demo organization (90 days of history)…'));
        out(seeded ? `seeded ${seeded.orgId}` : 'the database already holds organizations: the demo is seeded only into an empty one');
        return 0;
      });
    }
    const count = Number(events);
    const days = Number(flag(args, 'days') ?? 7);
    const members = Number(flag(args, 'members') ?? 20);
    if (!Number.isInteger(count) || count < 1) throw new UsageError('--events is a whole number of events, at least 1');
    if (!Number.isInteger(days) || days < 1 || days > 30) throw new UsageError('--days is between 1 and 30');
    if (!Number.isInteger(members) || members < 1) throw new UsageError('--members is at least 1');
    return withConnection(args, async ({ client }) => {
      const orgId = flag(args, 'org') ?? `load-${Date.now().toString(36)}`;
      await client.putMeter('load_tokens', { name: 'Load-test tokens', unit: 'tokens', category: 'load', aggregation: 'sum', unit_price: '0.001', price_currency: 'credits' });
      await client.createOrg({ id: orgId, name: `Load test ${orgId}`, timezone: 'UTC', credit_factor: '1' });
      await client.createGrant(orgId, { name: 'Load-test credits', source: 'included', amount: String(count) });
      const now = Date.now();
      let accepted = 0;
      for (let start = 0; start < count; start += BATCH) {
        const batch = Array.from({ length: Math.min(BATCH, count - start) }, (_, k) => {
          const i = start + k;
          // spread evenly over the window, newest last, never in the future
          const t = now - 60_000 - Math.floor(((count - i) / count) * (days * DAY_MS - 120_000));
          return { id: `load-${i}`, org: orgId, meter: 'load_tokens', quantity: String(1 + (i % 997)), timestamp: new Date(t).toISOString(), user: `user-${i % members}`, project: `project-${i % 7}` };
        });
        accepted += (await client.ingestEvents(batch)).accepted;
      }
      out(`seeded ${orgId}: ${accepted} of ${count} events accepted over ${days} days, ${members} members`);
      return accepted === count ? 0 : 1;
    });
  },
};
