import { Alert, Center, Group, Loader, Stack, Text } from '@mantine/core';
import { IconAlertTriangle } from '@tabler/icons-react';
import type { UseQueryResult } from '@tanstack/react-query';
import type { ReactNode } from 'react';

/**
 * A query in flight. `compact` is one line, for widgets on a host's page: a
 * full-size spinner would make the host's header grow, then shrink again when
 * the figure arrives.
 */
export function Loading({ label = 'Loading…', compact = false }: { label?: string; compact?: boolean }) {
  if (compact) {
    return (
      <Group gap={6} wrap="nowrap" data-state="loading">
        <Loader size={12} />
        <Text size="xs" c="dimmed">
          {label}
        </Text>
      </Group>
    );
  }
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
export function QueryView<T>({
  query,
  children,
  loading,
  compact = false,
}: {
  query: UseQueryResult<T>;
  children: (data: T) => ReactNode;
  loading?: string;
  compact?: boolean;
}) {
  if (query.isPending) return <Loading {...(loading ? { label: loading } : {})} compact={compact} />;
  if (query.isError) return <ErrorState error={query.error} />;
  return <>{children(query.data)}</>;
}
