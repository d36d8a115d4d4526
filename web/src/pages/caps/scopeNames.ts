import { useQuery } from '@tanstack/react-query';
import { api } from '../../api.js';
import { may } from '../../roles.js';
import { useSignedIn } from '../../session.js';

/**
 * Names for cap scopes ("group:grp_1" → "Group Research"), from the groups,
 * members and meters the person may list; an id is shown as it is when its
 * name is not visible to them.
 */
export function useScopeNames() {
  const { session } = useSignedIn();
  const org = session.org_id;
  const oversee = may.oversee(session.role);
  const groups = useQuery({ queryKey: ['groups', org], queryFn: () => api.groups(org), enabled: oversee });
  const members = useQuery({ queryKey: ['members', org, 'caps'], queryFn: () => api.members(org, { limit: 1000 }), enabled: oversee });
  const meters = useQuery({ queryKey: ['meters', org], queryFn: () => api.meters(org) });
  const groupName = new Map((groups.data?.data ?? []).map((g) => [g.id, g.name]));
  const memberName = new Map((members.data?.data ?? []).map((m) => [m.id, m.name || m.email]));
  const meterName = new Map((meters.data?.data ?? []).map((m) => [m.key, m.name]));
  return {
    describe(scope: string): string {
      if (scope === 'org') return 'Whole organization';
      const at = scope.indexOf(':');
      const kind = scope.slice(0, at);
      const id = scope.slice(at + 1);
      switch (kind) {
        case 'group':
          return `Group ${groupName.get(id) ?? id}`;
        case 'member':
          return id === session.member_id ? 'You' : `Member ${memberName.get(id) ?? id}`;
        case 'project':
          return `Project ${id}`;
        case 'api_key':
          return `API key ${id}`;
        case 'meter':
          return `Meter ${meterName.get(id) ?? id}`;
        default:
          return scope;
      }
    },
    /** choices for a scope kind, or null when it is typed (project names, key ids) */
    options(kind: string): { value: string; label: string }[] | null {
      if (kind === 'group') return [...groupName].map(([value, label]) => ({ value, label }));
      if (kind === 'member') return [...memberName].map(([value, label]) => ({ value, label }));
      if (kind === 'meter') return [...meterName].map(([value, label]) => ({ value, label }));
      return null;
    },
  };
}
