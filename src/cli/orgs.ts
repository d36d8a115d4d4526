import { CONNECTION_HELP, flag, out, required, table, UsageError, withConnection, type Args, type Command } from './common.js';

export const orgsCommand: Command = {
  name: 'orgs',
  summary: 'create or list organizations',
  help: `Usage:
  tally orgs create --name NAME [--id ID] [--timezone TZ] [--credit-factor N] [--grace-days N] [--overage allow|deny]
  tally orgs list [--limit N]

  --name           the organization's display name (create)
  --id             its id (1–64 letters, digits, "_" or "-"); generated when left out
  --timezone       IANA time zone for days and periods, default UTC
  --credit-factor  credits per $1 of cost, default 1 (0 turns credit tracking off)
  --grace-days     how late events may arrive, in days
  --overage        allow or deny usage beyond the balance
  --limit          how many organizations to list, default 100

${CONNECTION_HELP}`,
  async run(args: Args) {
    const [action] = args.positional;
    if (action !== 'create' && action !== 'list') throw new UsageError('say what to do: tally orgs create|list');
    return withConnection(args, async ({ client }) => {
      if (action === 'create') {
        const overage = flag(args, 'overage');
        if (overage !== undefined && overage !== 'allow' && overage !== 'deny') throw new UsageError('--overage is allow or deny');
        const graceDays = flag(args, 'grace-days');
        const id = flag(args, 'id');
        const org = await client.createOrg({
          name: required(args, 'name', 'the organization name'),
          timezone: flag(args, 'timezone') ?? 'UTC',
          credit_factor: flag(args, 'credit-factor') ?? '1',
          ...(id ? { id } : {}),
          ...(graceDays ? { grace_days: Number(graceDays) } : {}),
          ...(overage ? { overage } : {}),
        });
        out(`created organization ${org.id} (${org.name}, ${org.timezone}, credit factor ${org.credit_factor})`);
        return 0;
      }
      const limit = Number(flag(args, 'limit') ?? 100);
      const rows = [];
      let cursor: string | undefined;
      do {
        const page = await client.orgs({ limit: Math.min(limit - rows.length, 1000), cursor });
        rows.push(...page.data);
        cursor = page.next_cursor ?? undefined;
      } while (cursor && rows.length < limit);
      table(['ID', 'NAME', 'TIMEZONE', 'CREDIT FACTOR'], rows.map((o) => [o.id, o.name, o.timezone, o.credit_factor]));
      return 0;
    });
  },
};
