import { Progress, Stack, Text } from '@mantine/core';
import { locale } from '../../api.js';
import { planLine } from './planRows.js';
import { usePlanUsage } from './usePlanUsage.js';

/** The profile menu's three mini bars: credits, storage, deployments (not seats). */
export function ProfileMiniBars() {
  const query = usePlanUsage();
  if (query.isPending) return <Text size="xs" c="dimmed" px="sm">Loading plan usage…</Text>;
  if (query.isError) return <Text size="xs" c="red" px="sm">Plan usage could not be loaded.</Text>;
  const lines = ['credits', 'storage', 'deployments']
    .map((key) => query.data.data.find((r) => r.key === key))
    .filter((r) => r !== undefined)
    .map((r) => planLine(r, locale));
  return (
    <Stack gap={6} px="sm" py={4} data-testid="profile-mini-bars">
      {lines.map((line) => (
        <div key={line.key} data-testid={`mini-${line.key}`}>
          <Text size="xs">{line.label}</Text>
          {line.bar !== null && <Progress size="xs" value={line.bar} aria-label={line.title} />}
        </div>
      ))}
    </Stack>
  );
}
