import { Anchor, Badge, Breadcrumbs, Card, Group, Stack, Table, Tabs, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { Link, useParams } from 'react-router';
import type { LedgerEntry } from '../../../../src/client/index.js';
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

function GrantLedger({ grantId }: { grantId: string }) {
  const { session, org } = useSignedIn();
  const pager = usePager();
  const query = useQuery({
    queryKey: ['grant-ledger', session.org_id, grantId, pager.cursor],
    queryFn: () => api.grantLedger(session.org_id, grantId, { limit: 25, cursor: pager.cursor }),
  });
  return (
    <QueryView query={query}>
      {(page) =>
        page.data.length === 0 ? (
          <Empty>No ledger entries yet.</Empty>
        ) : (
          <>
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
                {page.data.map((e: LedgerEntry) => (
                  <Table.Tr key={e.id}>
                    <Table.Td>{ENTRY_LABEL[e.type] ?? humanize(e.type)}</Table.Td>
                    <Table.Td ta="right" c={e.amount.startsWith('-') ? 'red.7' : 'green.8'}>
                      {e.amount.startsWith('-') ? '' : '+'}
                      <Credits value={e.amount} />
                    </Table.Td>
                    <Table.Td ta="right">{e.balance === null ? '—' : <Credits value={e.balance} />}</Table.Td>
                    <Table.Td>{formatDateTime(e.occurred_at, org.timezone, locale)}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
            <PagerControls pager={pager} nextCursor={page.next_cursor} label="Ledger" />
          </>
        )
      }
    </QueryView>
  );
}
