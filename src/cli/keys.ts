import { CONNECTION_HELP, flag, out, required, table, UsageError, withConnection, type Args, type Command } from './common.js';

const ROLES = ['owner', 'billing_admin', 'manager', 'member'] as const;

export const keysCommand: Command = {
  name: 'keys',
  summary: "create, list or revoke an organization's API keys",
  help: `Usage:
  tally keys create --org ORG --name NAME [--role owner|billing_admin|manager|member] [--member ID]
  tally keys list --org ORG
  tally keys revoke --org ORG --key KEY_ID

  --org     the organization id
  --name    what the key is for (create)
  --role    the key's role, default owner
  --member  the member a manager or member key acts as
  --key     the key's id, as listed (revoke)

The secret is printed once, at creation: store it then.

${CONNECTION_HELP}`,
  async run(args: Args) {
    const [action] = args.positional;
    if (action !== 'create' && action !== 'list' && action !== 'revoke') throw new UsageError('say what to do: tally keys create|list|revoke');
    const org = required(args, 'org', 'the organization id');
    return withConnection(args, async ({ client }) => {
      if (action === 'create') {
        const role = flag(args, 'role') ?? 'owner';
        if (!(ROLES as readonly string[]).includes(role)) throw new UsageError(`--role is one of ${ROLES.join(', ')}`);
        const member = flag(args, 'member');
        const key = await client.createApiKey(org, { name: required(args, 'name', 'what the key is for'), role: role as (typeof ROLES)[number], ...(member ? { member } : {}) });
        out(`created key ${key.id} (${role}) for ${org}`);
        out(`secret: ${key.secret}`);
        out('store the secret now: it is not shown again');
        return 0;
      }
      if (action === 'revoke') {
        const id = required(args, 'key', 'the key id');
        await client.revokeApiKey(org, id);
        out(`revoked key ${id}`);
        return 0;
      }
      const keys = (await client.apiKeys(org)).data;
      table(['ID', 'NAME', 'ROLE', 'MEMBER', 'CREATED', 'LAST USED'], keys.map((k) => [k.id, k.name, k.role, k.member_name ?? k.member, k.created_at, k.last_used_at]));
      return 0;
    });
  },
};
