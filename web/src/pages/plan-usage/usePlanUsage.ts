import { useQuery } from '@tanstack/react-query';
import { api } from '../../api.js';
import { useSignedIn } from '../../session.js';

export function usePlanUsage(enabled = true) {
  const { session } = useSignedIn();
  return useQuery({ queryKey: ['plan-usage', session.org_id], queryFn: () => api.planUsage(session.org_id), enabled });
}
