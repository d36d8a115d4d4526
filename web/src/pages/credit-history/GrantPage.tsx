import { Anchor, Badge, Breadcrumbs, Button, Card, Group, Stack, Table, Tabs, Text, Title, UnstyledButton } from '@mantine/core';
import { useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { Link, useParams } from 'react-router';
import type { LedgerEntry, LedgerSummaryRow } from '../../../../src/client/index.js';
import { countOf } from '../../readable.js';
import { api, locale } from '../../api.js';
import { Credits } from '../../components/Amount.js';
import { BillingNotice } from '../../components/BillingNotice.js';
import { PagerControls, usePager } from '../../components/Pager.js';
import { Empty, QueryView } from '../../components/States.js';
import { formatDate, formatDateTime, humanize } from '../../format.js';
import { may } from '../../roles.js';
import { useSignedIn } from '../../session.js';
import { GrantScope } from '../../components/GrantScope.js';
import { GrantStatus } from './GrantsTable.js';
import { RolloverBlocks } from './RolloverBlocks.js';

const ENTRY_LABEL: Record<string, string> = {
  grant: 'Credits added',
  usage: 'Credit usage',
  expiry: 'Expired',
  void: 'Voided',
  adjustment: 'Adjustment',
  hold: 'Reserved',
  hold_release: 'Reservation released',
  hold_capture: 'Credit usage (reserved)',
  reversal: 'Reversal',
  rollover: 'Rolled over',
};

export default function GrantPage() {
  const { session } = useSignedIn();
  return may.billing(session.role) ? <GrantDetail /> : <BillingNotice what="Credit grants" />;
}

function GrantDetail() {
  const { grant: grantId = '' } = useParams();
  const { session, org } = useSignedIn();
  const grant = useQuery({ queryKey: ['grant', session.org_id, grantId], queryFn: () => api.grant(session.org_id, grantId) });
  return (
    <Stack>
      <Breadcrumbs>
        <Anchor component={Link} to="/credit-history">
          Credit history
        </Anchor>
        <Text>{grant.data?.name ?? grantId}</Text>
      </Breadcrumbs>
      <QueryView query={grant}>
        {(g) => (
          <>
            <Group justify="space-between">
              <Group gap={0}>
                <Title order={2}>{g.name}</Title>
                <GrantScope appliesTo={g.applies_to} />
              </Group>
              <GrantStatus status={g.status} />
            </Group>
            <Card withBorder>
              <Group gap="xl">
                <Figure label="Granted" value={<Credits value={g.amount} />} />
                <Figure label="Remaining" value={<Credits value={g.remaining} />} />
                {g.pending !== '0' && <Figure label="Scheduled" value={<Credits value={g.pending} />} />}
                <Figure label="Source" value={humanize(g.source)} />
                <Figure label="Priority" value={String(g.priority)} />
              </Group>
            </Card>
            <Tabs defaultValue="ledger" keepMounted={false}>
              <Tabs.List>
                <Tabs.Tab value="ledger">Ledger</Tabs.Tab>
                <Tabs.Tab value="grants">Grants</Tabs.Tab>
              </Tabs.List>
              <Tabs.Panel value="ledger" pt="md">
                <GrantLedger grantId={g.id} />
              </Tabs.Panel>
              <Tabs.Panel value="grants" pt="md">
                <Table data-testid="disbursements-table">
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th>Disbursement</Table.Th>
                      <Table.Th ta="right">Amount</Table.Th>
                      <Table.Th ta="right">Remaining</Table.Th>
                      <Table.Th>Start date</Table.Th>
                      <Table.Th>End date</Table.Th>
                      <Table.Th>Status</Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {g.blocks.map((b, i) => (
                      <Table.Tr key={b.id}>
                        <Table.Td>#{i + 1}</Table.Td>
                        <Table.Td ta="right">
                          <Credits value={b.amount} />
                        </Table.Td>
                        <Table.Td ta="right">
                          <Credits value={b.remaining} />
                        </Table.Td>
                        <Table.Td>{formatDate(b.starts_at, org.timezone, locale)}</Table.Td>
                        <Table.Td>{b.expires_at ? formatDate(b.expires_at, org.timezone, locale) : 'No end date'}</Table.Td>
                        <Table.Td>
                          <Badge variant="light" color="gray">
                            {humanize(b.status)}
                          </Badge>
                        </Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
                <RolloverBlocks grant={g} />
              </Tabs.Panel>
            </Tabs>
          </>
        )}
      </QueryView>
    </Stack>
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

const SUMMARY_LABEL: Record<LedgerSummaryRow['type'], string> = {
  credits_available: 'Credits available',
  credit_usage: 'Credit usage',
  credits_expired: 'Credits expired',
  credits_voided: 'Credits voided',
  scheduled: 'Scheduled',
};

/**
 * The grant's ledger as reference 000 shows it: "Credits available" rows and
 * one "Credit usage" row per day (amount, balance after, last usage time), in
 * time order, each day expandable to its entries; disbursements that start
 * later are listed as scheduled, outside the balance.
 */
function GrantLedger({ grantId }: { grantId: string }) {
  const { session, org } = useSignedIn();
  const query = useQuery({
    queryKey: ['grant-ledger-summary', session.org_id, grantId],
    queryFn: () => api.grantLedgerSummary(session.org_id, grantId),
  });
  const download = async () => {
    const csv = await api.text(`/v1/orgs/${encodeURIComponent(session.org_id)}/grants/${encodeURIComponent(grantId)}/ledger.csv`);
    const url = URL.createObjectURL(new Blob([csv], { type: 'text/csv;charset=utf-8' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = `tally-grant-${grantId}-ledger.csv`;
    a.click();
    URL.revokeObjectURL(url);
  };
  return (
    <QueryView query={query}>
      {(summary) =>
        summary.data.length === 0 ? (
          <Empty>No ledger entries yet.</Empty>
        ) : (
          <Stack gap="xs">
            <Group justify="flex-end">
              <Button variant="default" size="xs" data-testid="ledger-csv" onClick={() => void download()}>
                Download CSV
              </Button>
            </Group>
            <Table striped data-testid="ledger-table">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Type</Table.Th>
                  <Table.Th ta="right">Amount</Table.Th>
                  <Table.Th ta="right">Balance</Table.Th>
                  <Table.Th>Timestamp</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {summary.data.map((r) => (
                  <SummaryRow key={`${r.type}-${r.date}-${r.at}`} row={r} grantId={grantId} timeZone={org.timezone} />
                ))}
              </Table.Tbody>
            </Table>
          </Stack>
        )
      }
    </QueryView>
  );
}

function SummaryRow({ row, grantId, timeZone }: { row: LedgerSummaryRow; grantId: string; timeZone: string }) {
  const [open, setOpen] = useState(false);
  const expandable = row.type === 'credit_usage';
  const negative = row.amount.startsWith('-');
  return (
    <>
      <Table.Tr data-ledger-row={row.type}>
        <Table.Td>
          {expandable ? (
            <UnstyledButton aria-expanded={open} onClick={() => setOpen((o) => !o)} aria-label={`${open ? 'Hide' : 'Show'} entries of ${row.date}`}>
              <Text size="sm">
                {open ? '▾' : '▸'} {SUMMARY_LABEL[row.type]}{' '}
                <Text span size="xs" c="dimmed">
                  ({countOf(row.entries, 'entry', 'entries', locale)})
                </Text>
              </Text>
            </UnstyledButton>
          ) : (
            <Text size="sm" {...(row.type === 'scheduled' ? { c: 'dimmed' } : {})}>
              {SUMMARY_LABEL[row.type]}
            </Text>
          )}
        </Table.Td>
        <Table.Td ta="right" c={row.type === 'scheduled' ? 'dimmed' : negative ? 'red.7' : 'green.8'}>
          {negative ? '' : '+'}
          <Credits value={row.amount} />
        </Table.Td>
        <Table.Td ta="right">{row.balance === null ? 'Not yet available' : <Credits value={row.balance} />}</Table.Td>
        <Table.Td style={{ whiteSpace: 'nowrap' }}>
          {row.type === 'scheduled' ? `Starts ${formatDateTime(row.at, timeZone, locale)}` : formatDateTime(row.at, timeZone, locale)}
        </Table.Td>
      </Table.Tr>
      {open && (
        <Table.Tr>
          <Table.Td colSpan={4} p={0}>
            <DayEntries grantId={grantId} day={row.date} timeZone={timeZone} />
          </Table.Td>
        </Table.Tr>
      )}
    </>
  );
}

function DayEntries({ grantId, day, timeZone }: { grantId: string; day: string; timeZone: string }) {
  const { session } = useSignedIn();
  const pager = usePager();
  const query = useQuery({
    queryKey: ['grant-ledger-day', session.org_id, grantId, day, pager.cursor],
    queryFn: () => api.grantLedger(session.org_id, grantId, { day, limit: 100, cursor: pager.cursor }),
  });
  // the day's usage, by time (entries are paged in booking order; the day's
  // credits-available rows already stand above). No per-entry balance: a batch
  // is booked in its own order, so balances read by time would jump about; the
  // day's row above carries the balance after the day.
  const usage = (entries: LedgerEntry[]) =>
    entries.filter((e) => !['grant', 'adjustment', 'expiry', 'void'].includes(e.type)).sort((x, y) => x.occurred_at.localeCompare(y.occurred_at));
  return (
    <QueryView query={query}>
      {(page) => (
        <Stack gap={4} p="xs" bg="var(--mantine-color-gray-0)">
          <Table withRowBorders={false} data-testid="ledger-day-entries">
            <Table.Tbody>
              {usage(page.data).map((e: LedgerEntry) => (
                <Table.Tr key={e.id}>
                  <Table.Td>{ENTRY_LABEL[e.type] ?? humanize(e.type)}</Table.Td>
                  <Table.Td ta="right">
                    <Credits value={e.amount} />
                  </Table.Td>
                  <Table.Td style={{ whiteSpace: 'nowrap' }}>{formatDateTime(e.occurred_at, timeZone, locale)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
          <PagerControls pager={pager} nextCursor={page.next_cursor} label={`Entries of ${day}`} />
        </Stack>
      )}
    </QueryView>
  );
}
