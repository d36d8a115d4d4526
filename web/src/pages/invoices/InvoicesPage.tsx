import { Badge, Card, Grid, Group, NavLink, ScrollArea, Stack, Table, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useSearchParams } from 'react-router';
import type { Invoice } from '../../../../src/client/index.js';
import { api, locale } from '../../api.js';
import { Credits, Quantity, Usd } from '../../components/Amount.js';
import { BillingNotice } from '../../components/BillingNotice.js';
import { PagerControls, usePager } from '../../components/Pager.js';
import { Empty, QueryView } from '../../components/States.js';
import { formatDate, formatMonth } from '../../format.js';
import { may } from '../../roles.js';
import { useSignedIn } from '../../session.js';

const STATUS_COLOR: Record<Invoice['status'], string> = { draft: 'blue', issued: 'orange', paid: 'green', void: 'gray' };

export function InvoiceStatus({ status }: { status: Invoice['status'] }) {
  return (
    <Badge color={STATUS_COLOR[status]} variant="light" tt="capitalize">
      {status}
    </Badge>
  );
}

export default function InvoicesPage() {
  const { session } = useSignedIn();
  return (
    <Stack>
      <Title order={2}>Invoices</Title>
      {may.billing(session.role) ? <Invoices /> : <BillingNotice what="Invoices" />}
    </Stack>
  );
}

function Invoices() {
  const { session } = useSignedIn();
  const pager = usePager();
  const [params, setParams] = useSearchParams();
  const list = useQuery({
    queryKey: ['invoices', session.org_id, pager.cursor],
    queryFn: () => api.invoices(session.org_id, { limit: 12, cursor: pager.cursor }),
  });
  return (
    <QueryView query={list}>
      {(page) => {
        if (page.data.length === 0 && pager.page === 1) return <Empty>No invoices yet.</Empty>;
        // The current draft comes first in the history and is selected by default.
        const selectedId = params.get('invoice') ?? page.data.find((i) => i.status === 'draft')?.id ?? page.data[0]?.id;
        return (
          <Grid>
            <Grid.Col span={{ base: 12, md: 4 }}>
              <Card withBorder p="xs">
                <Text fw={600} px="xs" mb="xs">
                  Invoice history
                </Text>
                <ScrollArea.Autosize mah={560}>
                  <nav aria-label="Invoice history" data-testid="invoice-history">
                    {page.data.map((inv) => (
                      <NavLink
                        key={inv.id}
                        active={inv.id === selectedId}
                        onClick={() => setParams({ invoice: inv.id })}
                        label={formatMonth(inv.period, locale)}
                        description={<Usd value={inv.amount_due_usd} />}
                        rightSection={<InvoiceStatus status={inv.status} />}
                        data-invoice={inv.id}
                      />
                    ))}
                  </nav>
                </ScrollArea.Autosize>
                <PagerControls pager={pager} nextCursor={page.next_cursor} label="Invoices" />
              </Card>
            </Grid.Col>
            <Grid.Col span={{ base: 12, md: 8 }}>{selectedId && <InvoiceDetail invoiceId={selectedId} />}</Grid.Col>
          </Grid>
        );
      }}
    </QueryView>
  );
}

function InvoiceDetail({ invoiceId }: { invoiceId: string }) {
  const { session, org } = useSignedIn();
  const query = useQuery({ queryKey: ['invoice', session.org_id, invoiceId], queryFn: () => api.invoice(session.org_id, invoiceId) });
  return (
    <Card withBorder data-testid="invoice-detail">
      <QueryView query={query}>
        {(inv) => (
          <Stack>
            <Group justify="space-between">
              <div>
                <Title order={3}>{formatMonth(inv.period, locale)}</Title>
                <Text size="sm" c="dimmed">
                  {formatDate(inv.starts_at, org.timezone, locale)} – {formatDate(new Date(new Date(inv.ends_at).getTime() - 1).toISOString(), org.timezone, locale)}
                  {inv.status === 'draft' && ' · updates as usage arrives'}
                  {inv.issued_at && ` · issued ${formatDate(inv.issued_at, org.timezone, locale)}`}
                  {inv.paid_at && ` · paid ${formatDate(inv.paid_at, org.timezone, locale)}`}
                </Text>
              </div>
              <InvoiceStatus status={inv.status} />
            </Group>
            {inv.lines.length === 0 ? (
              <Empty>No charges in this period.</Empty>
            ) : (
              <Table data-testid="invoice-lines">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Description</Table.Th>
                    <Table.Th ta="right">Quantity</Table.Th>
                    <Table.Th ta="right">Unit price</Table.Th>
                    <Table.Th ta="right">Amount</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {inv.lines.map((l, i) => (
                    <Table.Tr key={`${l.meter}-${i}`}>
                      <Table.Td>{l.description}</Table.Td>
                      <Table.Td ta="right">
                        <Quantity value={l.quantity} unit={l.unit} />
                      </Table.Td>
                      <Table.Td ta="right">{l.unit_price_usd ? <Usd value={l.unit_price_usd} price /> : '—'}</Table.Td>
                      <Table.Td ta="right">
                        <Usd value={l.amount_usd} />
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            )}
            <Table withRowBorders={false} data-testid="invoice-totals">
              <Table.Tbody>
                <Table.Tr>
                  <Table.Td>Subtotal</Table.Td>
                  <Table.Td ta="right">
                    <Usd value={inv.subtotal_usd} />
                  </Table.Td>
                </Table.Tr>
                <Table.Tr>
                  <Table.Td>
                    Credits applied (<Credits value={inv.credits_applied} /> credits)
                  </Table.Td>
                  <Table.Td ta="right">
                    −<Usd value={inv.credits_applied_usd} />
                  </Table.Td>
                </Table.Tr>
                <Table.Tr>
                  <Table.Td fw={700}>Amount due</Table.Td>
                  <Table.Td ta="right" fw={700} data-testid="amount-due">
                    <Usd value={inv.amount_due_usd} />
                  </Table.Td>
                </Table.Tr>
              </Table.Tbody>
            </Table>
          </Stack>
        )}
      </QueryView>
    </Card>
  );
}
