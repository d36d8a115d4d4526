import '@mantine/charts/styles.css';
import { BarChart } from '@mantine/charts';
import { Button, Card, Group, SegmentedControl, SimpleGrid, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { api } from '../../api.js';
import { Credits, Usd } from '../../components/Amount.js';
import { usePeople } from '../../components/EventStatus.js';
import { actorName } from '../../readable.js';
import { BillingNotice } from '../../components/BillingNotice.js';
import { costsPath, type Costs } from '../../components/forecast/forecastApi.js';
import { Section } from '../../components/Section.js';
import { Empty, QueryView } from '../../components/States.js';
import { dayInZone } from '../../format.js';
import { may } from '../../roles.js';
import { useSignedIn } from '../../session.js';


/** Cost tracking (Finance): usage cost in USD and credits over time, by meter, project, user or resource class. */
export default function CostsPage() {
  const { session } = useSignedIn();
  return (
    <Stack>
      <Title order={2}>Cost tracking</Title>
      {may.billing(session.role) ? <Costs /> : <BillingNotice what="Cost tracking" />}
    </Stack>
  );
}

function Costs() {
  const { session, org } = useSignedIn();
  const today = dayInZone(new Date(), org.timezone);
  const [from, setFrom] = useState(`${today.slice(0, 8)}01`);
  const [to, setTo] = useState(today);
  const [by, setBy] = useState('meter');
  const [interval, setInterval] = useState('day');
  const q = { from, to, by, interval };
  const people = usePeople(by === 'user');
  const query = useQuery({ queryKey: ['costs', session.org_id, q], queryFn: () => api.request<Costs>('GET', costsPath(session.org_id, q)) });
  const download = async () => {
    const text = await api.text(costsPath(session.org_id, q, true));
    const url = URL.createObjectURL(new Blob([text], { type: 'text/csv' }));
    const a = Object.assign(document.createElement('a'), { href: url, download: `costs-${from}-${to}-${by}.csv` });
    a.click();
    URL.revokeObjectURL(url);
  };
  return (
    <>
      <Group align="end">
        <TextInput label="From" type="date" value={from} onChange={(e) => setFrom(e.currentTarget.value)} />
        <TextInput label="To" type="date" value={to} onChange={(e) => setTo(e.currentTarget.value)} />
        <SegmentedControl value={by} onChange={setBy} data={[{ value: 'meter', label: 'Meter' }, { value: 'project', label: 'Project' }, { value: 'user', label: 'User' }, { value: 'resource_class', label: 'Resource class' }]} />
        <SegmentedControl value={interval} onChange={setInterval} data={[{ value: 'day', label: 'Day' }, { value: 'week', label: 'Week' }, { value: 'month', label: 'Month' }]} />
        <Button variant="light" onClick={() => void download()} data-testid="costs-csv">
          Download CSV
        </Button>
      </Group>
      <QueryView query={query}>
        {(c) => (
          <>
            <SimpleGrid cols={{ base: 1, sm: 3 }}>
              <Card withBorder data-testid="costs-total">
                <Text size="sm" c="dimmed">Cost in range</Text>
                <Text size="xl" fw={700}><Usd value={c.totals.usd} /></Text>
                <Text size="xs" c="dimmed"><Credits value={c.totals.credits} /> credits</Text>
              </Card>
              <Card withBorder data-testid="costs-forecast">
                <Text size="sm" c="dimmed">Projected this period</Text>
                <Text size="xl" fw={700}><Usd value={c.forecast.projected_usd} /></Text>
                <Text size="xs" c="dimmed"><Usd value={c.forecast.usd_so_far} /> so far; {c.forecast.basis}</Text>
              </Card>
              <Card withBorder>
                <Text size="sm" c="dimmed">Conversion</Text>
                <Text size="sm" data-testid="costs-conversion">{c.conversion}</Text>
              </Card>
            </SimpleGrid>
            <Section title="Cost over time">
              {c.series.length === 0 ? (
                <Empty>No usage in this range.</Empty>
              ) : (
                <BarChart h={260} data={c.series.map((s) => ({ t: s.t, USD: Number(s.usd) }))} dataKey="t" series={[{ name: 'USD', color: 'indigo.6' }]} />
              )}
            </Section>
            <Section title={`By ${by.replace('_', ' ')}`}>
              <Table data-testid="costs-table">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>{by.replace('_', ' ')}</Table.Th>
                    <Table.Th ta="right">USD</Table.Th>
                    <Table.Th ta="right">Credits</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {c.breakdown.map((r) => (
                    <Table.Tr key={r.key ?? ''}>
                      <Table.Td title={by === 'user' ? (r.key ?? undefined) : undefined}>{r.key === null ? '(none)' : by === 'user' ? actorName(r.key, people) : r.key}</Table.Td>
                      <Table.Td ta="right"><Usd value={r.usd} /></Table.Td>
                      <Table.Td ta="right"><Credits value={r.credits} /></Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Section>
          </>
        )}
      </QueryView>
    </>
  );
}
