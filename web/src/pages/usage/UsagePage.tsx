import { Anchor, Card, Group, Progress, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { Section } from '../../components/Section.js';
import { usageQueries } from './firstScreen.js';
import { WhenVisible } from '../../components/WhenVisible.js';
import { useQuery } from '@tanstack/react-query';
import { lazy, Suspense } from 'react';
import { locale } from '../../api.js';
import { Credits } from '../../components/Amount.js';
import { BillingNotice } from '../../components/BillingNotice.js';
import { Empty, Loading, QueryView } from '../../components/States.js';
import { quantityOf } from '../../../../src/domain/display.js';
import { formatDate, formatMonth, formatPercent, humanize } from '../../format.js';
import { may } from '../../roles.js';
import { useSignedIn } from '../../session.js';
import { AllowanceCard, CreditGrantsTable, HistoricalUsageTable } from './UsageTables.js';
import { ProjectedPeriodCard } from '../../components/forecast/ProjectedPeriodCard.js';

// Charts (recharts) are their own chunk: the figures above them do not wait for chart code.
const DailyUsageChart = lazy(() => import('./UsageCharts.js').then((m) => ({ default: m.DailyUsageChart })));
const MeterGraphs = lazy(() => import('./UsageCharts.js').then((m) => ({ default: m.MeterGraphs })));

export default function UsagePage() {
  const { session } = useSignedIn();
  const oversee = may.oversee(session.role);
  const billing = may.billing(session.role);
  return (
    <Stack gap="lg">
      <Title order={2}>Usage</Title>
      {!oversee ? (
        <BillingNotice what="Your organization's credit balance, usage and grants" />
      ) : (
        <>
          <SimpleGrid cols={{ base: 1, md: billing ? 3 : 2 }}>
            <BalanceCard billing={billing} />
            <IncludedCard />
            {billing && <ProjectedPeriodCard />}
          </SimpleGrid>
          <BreakdownCard />
          <Suspense fallback={<Loading label="Loading charts…" />}>
            <DailyUsageChart />
            <WhenVisible>
              <MeterGraphs />
            </WhenVisible>
          </Suspense>
          <Section title="Historical usage">
            {billing ? (
              <WhenVisible>
                <HistoricalUsageTable />
              </WhenVisible>
            ) : (
              <BillingNotice what="Individual usage events" />
            )}
          </Section>
          <Section title="Credit grants">
            {billing ? (
              <WhenVisible>
                <CreditGrantsTable />
              </WhenVisible>
            ) : (
              <BillingNotice what="Credit grants" />
            )}
          </Section>
          <WhenVisible>
            <AllowanceCard />
          </WhenVisible>
        </>
      )}
    </Stack>
  );
}

function useIncluded() {
  const { session } = useSignedIn();
  return useQuery(usageQueries.included(session.org_id));
}

function BalanceCard({ billing }: { billing: boolean }) {
  const { session, org } = useSignedIn();
  const balance = useQuery(usageQueries.balance(session.org_id));
  const included = useIncluded();
  return (
    <Card withBorder data-testid="credits-remaining">
      <Text size="sm" c="dimmed">
        Credits remaining
      </Text>
      <QueryView query={balance}>
        {(b) => (
          <>
            <Text size="xl" fw={700} data-testid="figure-available">
              <Credits value={b.available} />
            </Text>
            <Group gap="xl" mt="xs">
              <div>
                <Text size="xs" c="dimmed">
                  Included
                </Text>
                <Text fw={600} data-testid="figure-included">
                  <Credits value={b.included} />
                </Text>
              </div>
              <div>
                <Text size="xs" c="dimmed">
                  Purchased
                </Text>
                <Text fw={600} data-testid="figure-purchased">
                  <Credits value={b.purchased} />
                </Text>
              </div>
              {b.promotional !== '0' && (
                <div>
                  <Text size="xs" c="dimmed">
                    Promotional
                  </Text>
                  <Text fw={600}>
                    <Credits value={b.promotional} />
                  </Text>
                </div>
              )}
              {b.overage !== '0' && (
                <div>
                  <Text size="xs" c="red">
                    Overage (unpaid)
                  </Text>
                  <Text fw={600} c="red">
                    <Credits value={b.overage} />
                  </Text>
                </div>
              )}
            </Group>
          </>
        )}
      </QueryView>
      <Text size="sm" mt="sm" data-testid="billing-period">
        {included.data
          ? `Billing period: ${formatMonth(included.data.period, locale)} (ends ${formatDate(included.data.period_ends_at, org.timezone, locale)})`
          : included.isError
            ? 'Billing period unavailable.'
            : 'Billing period…'}
      </Text>
      {billing && (
        <Group gap="md" mt="xs">
          <Anchor href="/billing/buy-credits" size="sm">
            Buy credits
          </Anchor>
          <Anchor href="/billing/auto-recharge" size="sm">
            Auto-recharge
          </Anchor>
        </Group>
      )}
    </Card>
  );
}

function IncludedCard() {
  const included = useIncluded();
  return (
    <Card withBorder data-testid="included-progress">
      <Text size="sm" c="dimmed">
        Included credits this period
      </Text>
      <QueryView query={included}>
        {(i) =>
          i.granted === '0' ? (
            <Empty>No included credits this period.</Empty>
          ) : (
            <>
              <Progress value={Math.min(100, i.pct_used)} mt="sm" size="lg" aria-label="Included credits used" />
              <SimpleGrid cols={4} mt="sm">
                <Figure label="Used" value={<Credits value={i.used} />} />
                <Figure label="Remaining" value={<Credits value={i.remaining} />} />
                <Figure label="Used %" value={formatPercent(i.pct_used / 100, locale)} />
                <Figure label="Days left" value={String(i.days_left)} />
              </SimpleGrid>
            </>
          )
        }
      </QueryView>
    </Card>
  );
}

function Figure({ label, value }: { label: string; value: React.ReactNode }) {
  return (
    <div>
      <Text size="xs" c="dimmed">
        {label}
      </Text>
      <Text fw={600}>{value}</Text>
    </div>
  );
}

function BreakdownCard() {
  const { session } = useSignedIn();
  const query = useQuery(usageQueries.breakdown(session.org_id));
  return (
    <Section title="Current-period usage">
      <QueryView query={query}>
        {(b) =>
          b.data.length === 0 ? (
            <Empty>No usage this billing period yet.</Empty>
          ) : (
            <Table data-testid="breakdown-table">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Source</Table.Th>
                  <Table.Th ta="right">Credits</Table.Th>
                  <Table.Th ta="right">Share</Table.Th>
                  <Table.Th ta="right">Count</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {b.data.map((row) => (
                  <Table.Tr key={row.key ?? row.label}>
                    <Table.Td>{row.label || humanize(row.key ?? '')}</Table.Td>
                    <Table.Td ta="right">
                      <Credits value={row.credits} />
                    </Table.Td>
                    <Table.Td ta="right">{formatPercent(row.share, locale)}</Table.Td>
                    <Table.Td ta="right">
                      <span data-amount={row.count}>{quantityOf(row.count, row.count_unit, locale, { maxFraction: 2 })}</span>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          )
        }
      </QueryView>
    </Section>
  );
}
