import { Card, Group, Progress, Stack, Text, Title } from '@mantine/core';
import { locale } from '../../api.js';
import { BillingNotice } from '../../components/BillingNotice.js';
import { Empty, QueryView } from '../../components/States.js';
import { may } from '../../roles.js';
import { useSignedIn } from '../../session.js';
import { isPlanRow, planLine } from './planRows.js';
import { usePlanUsage } from './usePlanUsage.js';

export default function PlanUsagePage() {
  const { session } = useSignedIn();
  const allowed = may.oversee(session.role);
  const query = usePlanUsage(allowed);
  return (
    <Stack>
      <Title order={2}>Plan usage</Title>
      {!allowed ? (
        <BillingNotice what="Plan usage" />
      ) : (
        <QueryView query={query}>
          {(usage) => {
            const lines = usage.data.filter(isPlanRow).map((r) => planLine(r, locale));
            return (
              <Card withBorder>
                <Text size="sm" c="dimmed" mb="sm">
                  {usage.plan ? `Plan: ${usage.plan}` : 'No plan is set for this organization.'}
                </Text>
                {lines.length === 0 ? (
                  <Empty>No plan limits to show.</Empty>
                ) : (
                  <Stack gap="md">
                    {lines.map((line) => (
                      <div key={line.key} data-testid={`plan-row-${line.key}`}>
                        <Group justify="space-between" mb={4}>
                          <Text fw={500}>{line.title}</Text>
                          <Text size="sm" data-testid="plan-label">
                            {line.label}
                          </Text>
                        </Group>
                        {line.bar !== null && <Progress value={line.bar} aria-label={line.title} />}
                      </div>
                    ))}
                  </Stack>
                )}
              </Card>
            );
          }}
        </QueryView>
      )}
    </Stack>
  );
}
