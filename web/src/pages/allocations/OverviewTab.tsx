import '@mantine/charts/styles.css';
import { BarChart } from '@mantine/charts';
import { Card, Progress, SimpleGrid, Stack, Table, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import type { AllocGroup } from '../../../../src/client/index.js';
import { api, locale } from '../../api.js';
import { Credits } from '../../components/Amount.js';
import { Section } from '../../components/Section.js';
import { Empty, QueryView } from '../../components/States.js';
import { chartNumber, compareDecimal } from '../../decimal.js';
import { formatAmount, formatDateTime } from '../../format.js';
import { useSignedIn } from '../../session.js';
import { allocationKeys, cadenceLabel, timeLeft } from './common.js';
import { SortHeader, useSort } from './sort.js';

export function OverviewTab() {
  const { session, org } = useSignedIn();
  const overview = useQuery({ queryKey: allocationKeys.overview(session.org_id), queryFn: () => api.allocations(session.org_id) });
  return (
    <QueryView query={overview}>
      {(o) => (
        <Stack>
          <SimpleGrid cols={{ base: 1, sm: 3 }}>
            <Card withBorder data-testid="card-cycle">
              <Text size="sm" c="dimmed">
                Account credit cycle
              </Text>
              <Text fw={700} size="lg" data-testid="cycle-cadence">
                {cadenceLabel(o.cycle.cadence)}
              </Text>
              <Text size="xs" data-testid="cycle-start">
                Started {formatDateTime(o.cycle.starts_at, org.timezone, locale)}
              </Text>
              <Text size="xs" data-testid="cycle-end">
                Ends {formatDateTime(o.cycle.ends_at, org.timezone, locale)}
              </Text>
              <Text size="xs" c="dimmed" data-testid="cycle-left">
                {timeLeft(o.cycle.ends_at)} left
              </Text>
            </Card>
            <Card withBorder data-testid="card-balance">
              <Text size="sm" c="dimmed">
                Credits balance
              </Text>
              <Text fw={700} size="xl" data-testid="figure">
                <Credits value={o.balance} />
              </Text>
              <Text size="xs" c="dimmed">
                Available to the organization now
              </Text>
            </Card>
            <Card withBorder data-testid="card-usage">
              <Text size="sm" c="dimmed">
                Current cycle usage
              </Text>
              <Text fw={700} size="xl" data-testid="figure">
                {o.cycle.usage_pct === null ? 'No limit' : `${o.cycle.usage_pct}%`}
              </Text>
              {o.cycle.usage_pct !== null && <Progress value={Math.min(100, chartNumber(o.cycle.usage_pct))} aria-label="Current cycle usage" my={4} />}
              <Text size="xs" c="dimmed" data-testid="cycle-used">
                <Credits value={o.cycle.used} /> used
                {o.cycle.credits_per_cycle !== null && (
                  <>
                    {' '}
                    of <Credits value={o.cycle.credits_per_cycle} /> this cycle
                  </>
                )}
              </Text>
            </Card>
          </SimpleGrid>
          <Section title="Allocation overview" testId="allocation-overview">
            {o.groups.length === 0 ? <Empty>No groups yet.</Empty> : <AllocationOverview groups={o.groups} />}
          </Section>
        </Stack>
      )}
    </QueryView>
  );
}

type Col = 'name' | 'members' | 'monthly_allocation' | 'distributed' | 'used' | 'available';

function AllocationOverview({ groups }: { groups: AllocGroup[] }) {
  const sort = useSort<Col>('name');
  const rows = [...groups].sort((a, b) => {
    const d = sort.col === 'name' ? a.name.localeCompare(b.name) : sort.col === 'members' ? a.members - b.members : compareDecimal(a[sort.col], b[sort.col]);
    return sort.asc ? d : -d;
  });
  const data = groups.map((g) => ({
    group: g.name,
    Distributed: chartNumber(g.distributed),
    'Used (pool)': chartNumber(g.used),
    Available: Math.max(0, chartNumber(g.available)),
  }));
  return (
    <Stack>
      <BarChart
        h={220}
        data={data}
        dataKey="group"
        type="stacked"
        withLegend
        valueFormatter={(v) => formatAmount(String(v), locale, { maxFraction: 2 })}
        series={[
          { name: 'Distributed', color: 'indigo.6' },
          { name: 'Used (pool)', color: 'orange.6' },
          { name: 'Available', color: 'teal.6' },
        ]}
        data-testid="allocation-chart"
      />
      <Table striped data-testid="overview-table">
        <Table.Thead>
          <Table.Tr>
            <SortHeader sort={sort} col="name">Group</SortHeader>
            <SortHeader sort={sort} col="members">Members</SortHeader>
            <SortHeader sort={sort} col="monthly_allocation">Monthly allocation</SortHeader>
            <SortHeader sort={sort} col="distributed">Distributed</SortHeader>
            <SortHeader sort={sort} col="used">Used</SortHeader>
            <SortHeader sort={sort} col="available">Available</SortHeader>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((g) => (
            <Table.Tr key={g.id} data-group={g.id}>
              <Table.Td>{g.name}</Table.Td>
              <Table.Td>{g.members}</Table.Td>
              <Table.Td data-col="monthly_allocation">
                <Credits value={g.monthly_allocation} />
              </Table.Td>
              <Table.Td data-col="distributed">
                <Credits value={g.distributed} />
              </Table.Td>
              <Table.Td data-col="used">
                <Credits value={g.used} />
              </Table.Td>
              <Table.Td data-col="available">
                <Credits value={g.available} />
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Stack>
  );
}
