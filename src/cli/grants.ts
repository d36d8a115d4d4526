import { CONNECTION_HELP, flag, out, required, table, UsageError, withConnection, type Args, type Command } from './common.js';

const SOURCES = ['included', 'purchased', 'promotional', 'adjustment'] as const;
const STATUSES = ['in_use', 'pending', 'expired', 'all'] as const;

export const grantsCommand: Command = {
  name: 'grants',
  summary: 'create, list or void credit grants',
  help: `Usage:
  tally grants create --org ORG --amount N --name NAME [--source included|purchased|promotional] [--priority 0-100]
                      [--starts-at ISO] [--expires-at ISO]
  tally grants list --org ORG [--status in_use|pending|expired|all]
  tally grants void --org ORG --grant GRANT [--reason TEXT]

  --org         the organization id
  --amount      credits, a decimal such as 500 or 12.5 (create)
  --name        what the grant is for (create)
  --source      included (default), purchased or promotional
  --priority    lower is spent first
  --starts-at   when the credits become usable (ISO-8601), default now
  --expires-at  when the unspent rest expires (ISO-8601), default never
  --status      which grants to list, default all
  --grant       the grant id (void)
  --reason      why it is voided, kept in the audit log

${CONNECTION_HELP}`,
  async run(args: Args) {
    const [action] = args.positional;
    if (action !== 'create' && action !== 'list' && action !== 'void') throw new UsageError('say what to do: tally grants create|list|void');
    const org = required(args, 'org', 'the organization id');
    return withConnection(args, async ({ client }) => {
      if (action === 'create') {
        const source = flag(args, 'source') ?? 'included';
        if (!(SOURCES as readonly string[]).includes(source)) throw new UsageError(`--source is one of ${SOURCES.join(', ')}`);
        const priority = flag(args, 'priority');
        const startsAt = flag(args, 'starts-at');
        const expiresAt = flag(args, 'expires-at');
        const grant = await client.createGrant(org, {
          name: required(args, 'name', 'what the grant is for'),
          amount: required(args, 'amount', 'the credits to grant'),
          source: source as (typeof SOURCES)[number],
          ...(priority ? { priority: Number(priority) } : {}),
          ...(startsAt ? { starts_at: startsAt } : {}),
          ...(expiresAt ? { expires_at: expiresAt } : {}),
        });
        out(`created grant ${grant.id}: ${grant.amount} credits (${grant.source}) for ${org}`);
        return 0;
      }
      if (action === 'void') {
        const reason = flag(args, 'reason');
        const grant = await client.voidGrant(org, required(args, 'grant', 'the grant id'), reason ? { reason } : {});
        out(`voided grant ${grant.id}`);
        return 0;
      }
      const status = flag(args, 'status') ?? 'all';
      if (!(STATUSES as readonly string[]).includes(status)) throw new UsageError(`--status is one of ${STATUSES.join(', ')}`);
      const rows = [];
      let cursor: string | undefined;
      do {
        const page = await client.grants(org, { status: status as (typeof STATUSES)[number], limit: 1000, cursor });
        rows.push(...page.data);
        cursor = page.next_cursor ?? undefined;
      } while (cursor);
      table(
        ['ID', 'NAME', 'SOURCE', 'AMOUNT', 'REMAINING', 'STATUS', 'EXPIRES'],
        rows.map((g) => [g.id, g.name, g.source, g.amount, g.remaining, g.status, g.expires_at ?? 'never']),
      );
      return 0;
    });
  },
};
