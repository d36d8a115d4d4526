import { Alert, Center, Loader, Stack, Text } from '@mantine/core';
import { IconAlertTriangle } from '@tabler/icons-react';
import type { UseQueryResult } from '@tanstack/react-query';
import type { ReactNode } from 'react';

export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <Center py="xl" data-state="loading">
      <Stack align="center" gap="xs">
        <Loader size="sm" />
        <Text size="sm" c="dimmed">
          {label}
        </Text>
      </Stack>
    </Center>
  );
}

export function ErrorState({ error }: { error: unknown }) {
  const message = error instanceof Error ? error.message : 'Something went wrong.';
  return (
    <Alert color="red" icon={<IconAlertTriangle size={18} />} title="This could not be loaded" data-state="error">
      {message}
    </Alert>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return (
    <Center py="lg" data-state="empty">
      <Text c="dimmed" size="sm">
        {children}
      </Text>
    </Center>
  );
}

/** Loading, error, then the data: every query on every page goes through this. */
export function QueryView<T>({ query, children, loading }: { query: UseQueryResult<T>; children: (data: T) => ReactNode; loading?: string }) {
  if (query.isPending) return <Loading {...(loading ? { label: loading } : {})} />;
  if (query.isError) return <ErrorState error={query.error} />;
  return <>{children(query.data)}</>;
}
