import { colorsTuple, createTheme, MantineProvider, type MantineColorSchemeManager } from '@mantine/core';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { useMemo, type ReactNode } from 'react';
import { TallyApiError } from '../../src/client/index.js';
import { DEFAULT_HOST, type HostSettings } from './embed/host.js';

export const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      staleTime: 30_000,
      refetchOnWindowFocus: false,
      // 4xx answers are final; only network trouble and 5xx are worth a retry.
      retry: (count, error) => count < 2 && !(error instanceof TallyApiError && error.status < 500),
    },
  },
});

/**
 * Mantine's default manager reads localStorage, which throws in a
 * third-party iframe with storage blocked: the scheme lives in memory.
 */
function memoryColorSchemeManager(): MantineColorSchemeManager {
  return { get: (defaultValue) => defaultValue, set: () => {}, subscribe: () => {}, unsubscribe: () => {}, clear: () => {} };
}

/** Mantine (with the host's theme when embedded) and react-query, around either app. */
export function Providers({ settings = DEFAULT_HOST, children }: { settings?: HostSettings; children: ReactNode }) {
  const theme = useMemo(
    () =>
      createTheme({
        primaryColor: settings.primaryColor ? 'host' : 'indigo',
        ...(settings.primaryColor ? { colors: { host: colorsTuple(settings.primaryColor) } } : {}),
        defaultRadius: 'md',
      }),
    [settings.primaryColor],
  );
  const manager = useMemo(memoryColorSchemeManager, []);
  return (
    <MantineProvider theme={theme} colorSchemeManager={manager} forceColorScheme={settings.colorScheme}>
      <QueryClientProvider client={queryClient}>{children}</QueryClientProvider>
    </MantineProvider>
  );
}
