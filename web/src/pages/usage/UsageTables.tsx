import { Button, Modal, Progress, Stack, Table, Text } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { useQuery } from '@tanstack/react-query';
import { api, locale } from '../../api.js';
import { Credits, Quantity } from '../../components/Amount.js';
import { EventCredits, EventStatusCell, usePeople } from '../../components/EventStatus.js';
import { PagerControls, usePager } from '../../components/Pager.js';
import { Empty, QueryView } from '../../components/States.js';
import { categoryLabel } from '../../../../src/domain/labels.js';
import { formatDateTime } from '../../format.js';
import { actorName } from '../../readable.js';
import { useSignedIn } from '../../session.js';
import { GrantsTable } from '../credit-history/GrantsTable.js';
import { isAllowance, planLine } from '../plan-usage/planRows.js';
import { usePlanUsage } from '../plan-usage/usePlanUsage.js';
import { Section } from '../../components/Section.js';

/** Individual usage events, newest first, ten per page with Next / Previous; voided and amended ones say so, with their history. */
export function HistoricalUsageTable() {
  const { session, org } = useSignedIn();
  const pager = usePager();
  const meters = useQuery({ queryKey: ['meters', session.org_id], queryFn: () => api.meters(session.org_id), staleTime: 300_000 });
  const query = useQuery({
    queryKey: ['events', session.org_id, pager.cursor],
    queryFn: () => api.events(session.org_id, { limit: 10, cursor: pager.cursor }),
  });
  const people = usePeople(query.data?.data.some((e) => e.corrections.length > 0 || e.user) ?? false);
  const meterOf = (key: string) => meters.data?.data.find((m) => m.key === key);
  return (
    <QueryView query={query}>
      {(page) =>
        page.data.length === 0 && pager.page === 1 ? (
          <Empty>No usage events yet.</Empty>
        ) : (
          <>
            <Table striped data-testid="events-table">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Time</Table.Th>
                  <Table.Th>Activity</Table.Th>
                  <Table.Th>Type</Table.Th>
                  <Table.Th ta="right">Quantity</Table.Th>
                  <Table.Th ta="right">Credits</Table.Th>
                  <Table.Th>Status</Table.Th>
                  <Table.Th>User</Table.Th>
                  <Table.Th>Project</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {page.data.map((e) => {
                  const meter = meterOf(e.meter);
                  return (
                    <Table.Tr key={e.id} data-event={e.id}>
                      <Table.Td data-testid="event-time" style={{ whiteSpace: 'nowrap' }}>{formatDateTime(e.timestamp, org.timezone, locale)}</Table.Td>
                      <Table.Td>{e.job_name ?? meter?.name ?? e.meter}</Table.Td>
                      <Table.Td>{meter ? categoryLabel(meter.category) : e.meter}</Table.Td>
                      <Table.Td ta="right" style={{ whiteSpace: 'nowrap' }}>
                        <Quantity value={e.quantity} unit={meter?.unit ?? ''} />
                      </Table.Td>
                      <Table.Td ta="right" data-testid="event-credits">
                        <EventCredits event={e} />
                      </Table.Td>
                      <Table.Td>
                        <EventStatusCell event={e} people={people} />
                      </Table.Td>
                      <Table.Td data-testid="event-user" title={e.user ?? undefined}>{e.user ? actorName(e.user, people) : '—'}</Table.Td>
                      <Table.Td>{e.project ?? '—'}</Table.Td>
                    </Table.Tr>
                  );
                })}
              </Table.Tbody>
            </Table>
            <PagerControls pager={pager} nextCursor={page.next_cursor} label="Usage events" />
          </>
        )
      }
    </QueryView>
  );
}

export function CreditGrantsTable() {
  const { session, org } = useSignedIn();
  const pager = usePager();
  const query = useQuery({
    queryKey: ['grants', session.org_id, 'all', pager.cursor],
    queryFn: () => api.grants(session.org_id, { status: 'all', limit: 10, cursor: pager.cursor }),
  });
  return (
    <QueryView query={query}>
      {(page) =>
        page.data.length === 0 && pager.page === 1 ? (
          <Empty>No credits have been granted yet.</Empty>
        ) : (
          <>
            <GrantsTable grants={page.data} timeZone={org.timezone} linked />
            <PagerControls pager={pager} nextCursor={page.next_cursor} label="Credit grants" />
          </>
        )
      }
    </QueryView>
  );
}

/** Background AI, sandbox runtime and storage: the plan's allowances, with a details dialog. */
export function AllowanceCard() {
  const query = usePlanUsage();
  const [opened, { open, close }] = useDisclosure(false);
  return (
    <Section
      title="Background AI & sandbox usage"
      right={
        <Button variant="subtle" size="xs" onClick={open}>
          View allowance details
        </Button>
      }
    >
      <QueryView query={query}>
        {(usage) => {
          const rows = usage.data.filter((r) => isAllowance(r) || r.key === 'storage');
          const lines = rows.map((r) => planLine(r, locale));
          return (
            <>
              {lines.length === 0 ? (
                <Empty>Your plan has no allowances.</Empty>
              ) : (
                <Stack gap="sm" data-testid="allowances">
                  {lines.map((line) => (
                    <div key={line.key}>
                      <Text size="sm">
                        <b>{line.title}</b> · {line.label}
                      </Text>
                      {line.bar !== null && <Progress value={line.bar} size="sm" aria-label={line.title} />}
                    </div>
                  ))}
                </Stack>
              )}
              <Modal opened={opened} onClose={close} title="Allowance details" size="lg">
                <Table>
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th>Allowance</Table.Th>
                      <Table.Th ta="right">Used</Table.Th>
                      <Table.Th ta="right">Included</Table.Th>
                      <Table.Th>Unit</Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {rows.map((r) => (
                      <Table.Tr key={r.key}>
                        <Table.Td>{r.label}</Table.Td>
                        <Table.Td ta="right">
                          <Credits value={r.used} />
                        </Table.Td>
                        <Table.Td ta="right">{r.unlimited ? 'Unlimited' : r.limit === null ? '—' : <Credits value={r.limit} />}</Table.Td>
                        <Table.Td>{r.unit}</Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </Modal>
            </>
          );
        }}
      </QueryView>
    </Section>
  );
}
