import { CONNECTION_HELP, flag, out, required, UsageError, withConnection, type Args, type Command } from './common.js';

const ROLES = ['owner', 'billing_admin', 'manager', 'member'] as const;

export const membersCommand: Command = {
  name: 'members',
  summary: 'add a member to an organization',
  help: `Usage:
  tally members add --org ORG --email EMAIL --name NAME [--id ID] [--role owner|billing_admin|manager|member]
                    [--group GROUP] [--monthly N]

  --org      the organization id
  --email    the member's email (their dashboard sign-in)
  --name     their display name
  --id       their id in your platform; generated when left out
  --role     default member
  --group    the allocation group, default the organization's default group
  --monthly  their own monthly credit allocation

${CONNECTION_HELP}`,
  async run(args: Args) {
    if (args.positional[0] !== 'add') throw new UsageError('say what to do: tally members add');
    const org = required(args, 'org', 'the organization id');
    const role = flag(args, 'role') ?? 'member';
    if (!(ROLES as readonly string[]).includes(role)) throw new UsageError(`--role is one of ${ROLES.join(', ')}`);
    return withConnection(args, async ({ client }) => {
      const id = flag(args, 'id');
      const group = flag(args, 'group');
      const monthly = flag(args, 'monthly');
      const member = await client.addMember(org, {
        email: required(args, 'email', "the member's email"),
        name: required(args, 'name', "the member's name"),
        role: role as (typeof ROLES)[number],
        ...(id ? { id } : {}),
        ...(group ? { group } : {}),
        ...(monthly ? { monthly } : {}),
      });
      out(`added member ${member.id} (${member.email}, ${member.role}) to ${org}`);
      return 0;
    });
  },
};
