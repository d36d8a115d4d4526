import { Card, SimpleGrid, Stack, Tabs, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useSearchParams } from 'react-router';
import type { GrantListStatus } from '../../../../src/client/index.js';
import { api } from '../../api.js';
import { Credits } from '../../components/Amount.js';
import { BillingNotice } from '../../components/BillingNotice.js';
import { PagerControls, usePager } from '../../components/Pager.js';
import { Empty, QueryView } from '../../components/States.js';
import { may } from '../../roles.js';
import { useSignedIn } from '../../session.js';
import { GrantsTable } from './GrantsTable.js';
import { SchedulesCard } from './SchedulesCard.js';
import { BalanceForecastChart } from '../../components/forecast/BalanceForecastChart.js';
import { RunwayCard } from '../../components/forecast/RunwayCard.js';

const TABS: { value: GrantListStatus; label: string; empty: string }[] = [
  { value: 'in_use', label: 'In use', empty: 'No credit grants are in use.' },
  { value: 'pending', label: 'Pending', empty: 'No credit grants are scheduled.' },
  { value: 'expired', label: 'Expired', empty: 'No credit grants have expired.' },
  { value: 'all', label: 'All credits', empty: 'No credits have been granted yet.' },
];

export default function CreditHistoryPage() {
  const { session } = useSignedIn();
  return (
    <Stack>
      <Title order={2}>Credit history</Title>
      {may.billing(session.role) ? <CreditHistory /> : <BillingNotice what="The credit history" />}
    </Stack>
  );
}

function CreditHistory() {
  const { session } = useSignedIn();
  const balance = useQuery({ queryKey: ['balance', session.org_id], queryFn: () => api.balance(session.org_id) });
  const [params, setParams] = useSearchParams();
  const tab = (TABS.find((t) => t.value === params.get('tab'))?.value ?? 'in_use') as GrantListStatus;

  return (
    <>
      <QueryView query={balance}>
        {(b) => (
          <SimpleGrid cols={{ base: 1, sm: 3 }}>
            <SummaryCard testId="card-current-balance" title="Current balance" value={b.available} hint="Unused credits available now" />
            <SummaryCard testId="card-amount-spent" title="Amount spent" value={b.spent} hint="Used from currently active grants" />
            <SummaryCard testId="card-total-granted" title="Total granted" value={b.total_granted} hint="Granted under currently active grants" />
          </SimpleGrid>
        )}
      </QueryView>
      <SchedulesCard />
      <RunwayCard />
      <BalanceForecastChart />
      <Tabs value={tab} onChange={(value) => setParams(value ? { tab: value } : {})} keepMounted={false}>
        <Tabs.List>
          {TABS.map((t) => (
            <Tabs.Tab key={t.value} value={t.value}>
              {t.label}
            </Tabs.Tab>
          ))}
        </Tabs.List>
        {TABS.map((t) => (
          <Tabs.Panel key={t.value} value={t.value} pt="md">
            <GrantTab status={t.value} empty={t.empty} />
          </Tabs.Panel>
        ))}
      </Tabs>
    </>
  );
}

function SummaryCard({ title, value, hint, testId }: { title: string; value: string; hint: string; testId: string }) {
  return (
    <Card withBorder data-testid={testId}>
      <Text size="sm" c="dimmed">
        {title}
      </Text>
      <Text size="xl" fw={700} data-testid="figure">
        <Credits value={value} />
      </Text>
      <Text size="xs" c="dimmed">
        {hint}
      </Text>
    </Card>
  );
}

function GrantTab({ status, empty }: { status: GrantListStatus; empty: string }) {
  const { session, org } = useSignedIn();
  const pager = usePager();
  const query = useQuery({
    queryKey: ['grants', session.org_id, status, pager.cursor],
    queryFn: () => api.grants(session.org_id, { status, limit: 20, cursor: pager.cursor }),
  });
  return (
    <QueryView query={query}>
      {(page) =>
        page.data.length === 0 && pager.page === 1 ? (
          <Empty>{empty}</Empty>
        ) : (
          <>
            <GrantsTable grants={page.data} timeZone={org.timezone} linked />
            <PagerControls pager={pager} nextCursor={page.next_cursor} label="Grants" />
          </>
        )
      }
    </QueryView>
  );
}
