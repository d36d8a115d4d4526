import { ActionIcon, Button, Card, Group, Select, Stack, Table, Text, Title, Tooltip, UnstyledButton } from '@mantine/core';
import { IconChevronDown, IconChevronRight, IconDownload } from '@tabler/icons-react';
import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { Fragment, useState } from 'react';
import { useSearchParams } from 'react-router';
import type { Statement } from '../../../../src/client/index.js';
import { api, locale } from '../../api.js';
import { Credits } from '../../components/Amount.js';
import { BillingNotice } from '../../components/BillingNotice.js';
import { Empty, ErrorState, Loading, QueryView } from '../../components/States.js';
import { dayInZone, formatDay, formatMonth } from '../../format.js';
import { may } from '../../roles.js';
import { actorName, type Person } from '../../readable.js';
import { useSignedIn } from '../../session.js';
import { ExportDialog } from './ExportDialog.js';

export default function StatementsPage() {
  const { session } = useSignedIn();
  return may.oversee(session.role) ? <Statements /> : (
    <Stack>
      <Title order={2}>Statements</Title>
      <BillingNotice what="Statements and ledger exports" />
    </Stack>
  );
}

function Statements() {
  const { session, org } = useSignedIn();
  const [params, setParams] = useSearchParams();
  const period = params.get('period') ?? 'current';
  const [exporting, setExporting] = useState(false);
  const periods = useQuery({ queryKey: ['statements', session.org_id], queryFn: () => api.statements(session.org_id) });
  const statement = useQuery({ queryKey: ['statement', session.org_id, period], queryFn: () => api.statement(session.org_id, period) });

  const options = [
    { value: 'current', label: 'Current month' },
    ...(periods.data?.data ?? []).filter((p) => p.status === 'closed').map((p) => ({ value: p.period, label: formatMonth(p.period, locale) })),
  ];
  const s = statement.data;
  const heading =
    !s || s.status === 'open'
      ? 'Billing period - Current month'
      : `Billing period - ${formatDay(dayInZone(s.starts_at, org.timezone), locale)} – ${formatDay(dayInZone(new Date(new Date(s.ends_at).getTime() - 1), org.timezone), locale)}`;

  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2} data-testid="statement-heading">
          {heading}
        </Title>
        <Group>
          <Select
            aria-label="Billing period"
            data={options}
            value={period}
            onChange={(v) => setParams(v && v !== 'current' ? { period: v } : {})}
            allowDeselect={false}
            w={200}
            data-testid="period-select"
          />
          <Tooltip label="Export ledger data">
            <ActionIcon variant="default" size="lg" aria-label="Export ledger data" onClick={() => setExporting(true)} disabled={!s}>
              <IconDownload size={18} />
            </ActionIcon>
          </Tooltip>
        </Group>
      </Group>
      {periods.isError && <ErrorState error={periods.error} />}
      <QueryView query={statement}>{(st) => <StatementBody statement={st} />}</QueryView>
      {s && <ExportDialog opened={exporting} onClose={() => setExporting(false)} period={period} label={s.status === 'open' ? 'the current month' : formatMonth(s.period, locale)} />}
    </Stack>
  );
}

function StatementBody({ statement }: { statement: Statement }) {
  const active = statement.days.filter((d) => d.top_ups !== '0' || d.credits_used !== '0' || d.expired !== '0');
  return (
    <>
      {statement.status === 'closed' && (
        <Card withBorder data-testid="statement-summary">
          <Table>
            <Table.Tbody>
              <SummaryRow label="Balance brought forward" value={statement.summary.brought_forward} />
              <SummaryRow label="Purchased" value={statement.summary.purchased} />
              {statement.summary.granted !== '0' && <SummaryRow label="Granted" value={statement.summary.granted} />}
              {statement.summary.adjustments !== '0' && <SummaryRow label="Adjustments" value={statement.summary.adjustments} />}
              <SummaryRow label="Consumed" value={statement.summary.consumed} />
              {statement.summary.expired !== '0' && <SummaryRow label="Expired" value={statement.summary.expired} />}
              {statement.summary.forfeited !== '0' && <SummaryRow label="Forfeited" value={statement.summary.forfeited} />}
              {statement.summary.rolled_over !== '0' && (
                <SummaryRow label="Rolled over (carried into new blocks, balance unchanged)" value={statement.summary.rolled_over} />
              )}
              {statement.summary.corrections !== '0' && (
                <SummaryRow label="Corrections of earlier periods (included in consumed)" value={statement.summary.corrections} />
              )}
              <SummaryRow label="Closing balance" value={statement.summary.closing} strong />
            </Table.Tbody>
          </Table>
        </Card>
      )}
      <Card withBorder>
        {active.length === 0 ? (
          <Empty>No usage data found.</Empty>
        ) : (
          <Table data-testid="daily-table">
            <Table.Thead>
              <Table.Tr>
                <Table.Th w={32} />
                <Table.Th>Date</Table.Th>
                <Table.Th ta="right">Top Up</Table.Th>
                <Table.Th ta="right">Credits Used</Table.Th>
                <Table.Th ta="right">Balance</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {[...statement.days].reverse().map((d) => (
                <DayRow key={d.date} period={statement.period} day={d} />
              ))}
            </Table.Tbody>
          </Table>
        )}
      </Card>
    </>
  );
}

function SummaryRow({ label, value, strong }: { label: string; value: string; strong?: boolean }) {
  return (
    <Table.Tr data-summary={label}>
      <Table.Td fw={strong ? 700 : 400}>{label}</Table.Td>
      <Table.Td ta="right" fw={strong ? 700 : 400}>
        <Credits value={value} />
      </Table.Td>
    </Table.Tr>
  );
}

function DayRow({ period, day }: { period: string; day: Statement['days'][number] }) {
  const [open, setOpen] = useState(false);
  const label = formatDay(day.date, locale);
  return (
    <Fragment>
      <Table.Tr data-day={day.date}>
        <Table.Td>
          <UnstyledButton aria-label={`${open ? 'Hide' : 'Show'} jobs of ${label}`} aria-expanded={open} onClick={() => setOpen((o) => !o)}>
            {open ? <IconChevronDown size={16} /> : <IconChevronRight size={16} />}
          </UnstyledButton>
        </Table.Td>
        <Table.Td>{label}</Table.Td>
        <Table.Td ta="right">
          <Credits value={day.top_ups} />
        </Table.Td>
        <Table.Td ta="right" data-testid="day-used">
          <Credits value={day.credits_used} />
        </Table.Td>
        <Table.Td ta="right">
          <Credits value={day.balance} />
        </Table.Td>
      </Table.Tr>
      {open && (
        <Table.Tr>
          <Table.Td colSpan={5} bg="var(--mantine-color-gray-0)">
            <DayJobs period={period} date={day.date} />
          </Table.Td>
        </Table.Tr>
      )}
    </Fragment>
  );
}

function DayJobs({ period, date }: { period: string; date: string }) {
  const { session } = useSignedIn();
  // The server pages a day's jobs (credits used, highest first); "Show more jobs" appends the next page.
  const query = useInfiniteQuery({
    queryKey: ['day-jobs', session.org_id, period, date],
    queryFn: ({ pageParam }) => api.dayJobs(session.org_id, period, date, { cursor: pageParam }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
  // lines carry the member id; the table names the person
  const members = useQuery({
    queryKey: ['statement-people', session.org_id],
    queryFn: () => api.members(session.org_id, { limit: 100 }),
    staleTime: 60_000,
  });
  const people = new Map<string, Person>((members.data?.data ?? []).map((m) => [m.id, m]));
  if (query.isPending) return <Loading label="Loading jobs…" />;
  // A failed "Show more" keeps the pages already shown; only a failed first page replaces the table.
  if (!query.data) return <ErrorState error={query.error} />;
  const jobs = query.data.pages.flatMap((p) => p.data);
  if (jobs.length === 0) return <Text size="sm" c="dimmed">No jobs used credits on this day.</Text>;
  return (
    <Stack gap="xs">
      <Table data-testid="jobs-table" withRowBorders={false}>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Name</Table.Th>
            <Table.Th>Project</Table.Th>
            <Table.Th>User</Table.Th>
            <Table.Th>Resource</Table.Th>
            <Table.Th ta="right">Credits Used</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {jobs.map((j) => (
            <Table.Tr key={j.job_id}>
              <Table.Td>{j.name}</Table.Td>
              <Table.Td>{j.project ?? '—'}</Table.Td>
              <Table.Td title={j.user ?? undefined}>{j.user ? actorName(j.user, people) : '—'}</Table.Td>
              <Table.Td>{j.resource_class ?? '—'}</Table.Td>
              <Table.Td ta="right">
                <Credits value={j.credits_used} />
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {query.isFetchNextPageError && <ErrorState error={query.error} />}
      {query.hasNextPage && (
        <Group justify="center">
          <Button variant="subtle" size="xs" data-testid="more-jobs" loading={query.isFetchingNextPage} onClick={() => void query.fetchNextPage()}>
            Show more jobs
          </Button>
        </Group>
      )}
    </Stack>
  );
}
