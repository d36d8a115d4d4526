import { Badge, Card, Stack, Table, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { locale } from '../../api.js';
import { Credits } from '../../components/Amount.js';
import { QueryView } from '../../components/States.js';
import { formatAmount, formatDate } from '../../format.js';
import { useSignedIn } from '../../session.js';
import { cadenceLabel, durationLabel, fetchSchedules, type GrantSchedule } from './schedules.js';

/** The rollover rule in words: "Up to 30 credits or 25% of the grant roll over, for 2 weeks". */
export function rolloverRule(s: GrantSchedule): string {
  const r = s.rollover;
  if (!r) return 'Unused credit expires';
  const caps = [
    r.max_amount === null ? null : `${formatAmount(r.max_amount, locale)} credits`,
    r.max_percent === null ? null : `${formatAmount(String(r.max_percent), locale)}% of the grant`,
  ].filter((c): c is string => c !== null);
  const cap = caps.length === 0 ? 'All unused credit rolls over' : `Up to ${caps.join(' or ')} (whichever is less) rolls over`;
  return `${cap}, ${r.expires_after ? `for ${durationLabel(r.expires_after)}` : 'through the next period'}`;
}

/** Recurring grants on the Credit history page: next issue date, amount and rollover rule. Hidden when there are none. */
export function SchedulesCard() {
  const { session, org } = useSignedIn();
  const query = useQuery({ queryKey: ['grant-schedules', session.org_id], queryFn: () => fetchSchedules(session.org_id) });
  return (
    <QueryView query={query}>
      {(schedules) =>
        schedules.length === 0 ? null : (
          <Card withBorder data-testid="grant-schedules">
            <Stack gap="xs">
              <Title order={4}>Recurring grants</Title>
              <Table>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Name</Table.Th>
                    <Table.Th>Cadence</Table.Th>
                    <Table.Th ta="right">Amount</Table.Th>
                    <Table.Th>Next issue</Table.Th>
                    <Table.Th>Rollover</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {schedules.map((s) => (
                    <Table.Tr key={s.id} data-schedule={s.id}>
                      <Table.Td>{s.name}</Table.Td>
                      <Table.Td>{cadenceLabel(s.cadence)}</Table.Td>
                      <Table.Td ta="right">
                        <Credits value={s.amount} />
                      </Table.Td>
                      <Table.Td data-testid="next-issue">
                        {s.next_issue_at ? (
                          formatDate(s.next_issue_at, org.timezone, locale)
                        ) : (
                          <Badge variant="light" color="gray">
                            Ended
                          </Badge>
                        )}
                      </Table.Td>
                      <Table.Td>
                        <Text size="sm">{rolloverRule(s)}</Text>
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Stack>
          </Card>
        )
      }
    </QueryView>
  );
}
