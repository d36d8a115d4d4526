import { useQuery, useQueryClient } from '@tanstack/react-query';
import { createContext, useContext, type ReactNode } from 'react';
import type { Org, Session } from '../../src/client/index.js';
import { api, credentials, isUnauthorized } from './api.js';

export interface SignedIn {
  session: Session;
  org: Org;
}

const SessionContext = createContext<SignedIn | null>(null);

export function useSignedIn(): SignedIn {
  const value = useContext(SessionContext);
  if (!value) throw new Error('useSignedIn outside a signed-in page');
  return value;
}

export function SessionProvider({ value, children }: { value: SignedIn; children: ReactNode }) {
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

/** The current session and its organization; null when signed out. */
export function useSessionQuery() {
  return useQuery({
    queryKey: ['session'],
    queryFn: async (): Promise<SignedIn | null> => {
      try {
        const session = await api.session();
        credentials.csrf = session.csrf_token;
        const org = await api.org(session.org_id);
        return { session, org };
      } catch (error) {
        if (isUnauthorized(error)) return null;
        throw error;
      }
    },
    staleTime: 60_000,
    retry: false,
  });
}

export function useSignOut() {
  const client = useQueryClient();
  return async () => {
    try {
      await api.logout();
    } finally {
      credentials.clear();
      client.clear();
      client.setQueryData(['session'], null);
    }
  };
}
