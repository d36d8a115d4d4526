import { Badge, Button, Group, Modal, Stack, Table, Text, TextInput } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { Purchase } from '../../../../src/client/index.js';
import { api, locale } from '../../api.js';
import { Credits, Usd } from '../../components/Amount.js';
import { PagerControls, usePager } from '../../components/Pager.js';
import { Section } from '../../components/Section.js';
import { Empty, QueryView } from '../../components/States.js';
import { amountError } from '../../decimal.js';
import { formatDateTime } from '../../format.js';
import { useSignedIn } from '../../session.js';

const STATUS: Record<Purchase['status'], { label: string; color: string }> = {
  pending_payment: { label: 'Pending payment', color: 'yellow' },
  paid: { label: 'Paid', color: 'green' },
  failed: { label: 'Failed', color: 'red' },
};

export function BuyCreditsTab() {
  return (
    <Stack>
      <BuyForm />
      <Purchases />
    </Stack>
  );
}

function BuyForm() {
  const { session } = useSignedIn();
  const client = useQueryClient();
  const [amount, setAmount] = useState('');
  const [price, setPrice] = useState('');
  const [confirming, setConfirming] = useState(false);
  // One key per intended purchase: a retried click never buys twice.
  const [key, setKey] = useState(() => crypto.randomUUID());
  const buy = useMutation({
    mutationFn: () => api.createPurchase(session.org_id, { amount: amount.trim(), ...(price.trim() ? { price_usd: price.trim() } : {}), idempotency_key: key }),
    onSuccess: async () => {
      setConfirming(false);
      setAmount('');
      setPrice('');
      setKey(crypto.randomUUID());
      await client.invalidateQueries({ queryKey: ['purchases', session.org_id] });
    },
  });
  const amountProblem = amount === '' ? null : amountError(amount, { allowZero: false });
  const priceProblem = price === '' ? null : amountError(price);
  return (
    <Section title="Buy credits" testId="buy-form">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (amount !== '' && !amountProblem && !priceProblem) setConfirming(true);
        }}
      >
        <Stack gap="xs" maw={420}>
          <TextInput label="Credits to buy" value={amount} onChange={(e) => setAmount(e.currentTarget.value)} error={amountProblem} required />
          <TextInput label="Price (USD)" description="Optional; as quoted by your payment provider" value={price} onChange={(e) => setPrice(e.currentTarget.value)} error={priceProblem} />
          <Text size="xs" c="dimmed">
            The credits are pending payment until the payment provider confirms it; then they can be used.
          </Text>
          <Group>
            <Button type="submit" disabled={amount === '' || !!amountProblem || !!priceProblem}>
              Buy credits
            </Button>
          </Group>
        </Stack>
      </form>
      <Modal opened={confirming} onClose={() => setConfirming(false)} title="Buy these credits?" centered>
        <Text size="sm">
          You are buying <Credits value={amount.trim() || '0'} /> credits{price.trim() ? <> for <Usd value={price.trim()} /></> : null}. The purchase waits for payment before the credits
          can be used.
        </Text>
        {buy.isError && (
          <Text c="red" size="sm" role="alert" mt="xs">
            {buy.error.message}
          </Text>
        )}
        <Group justify="flex-end" mt="md">
          <Button variant="default" onClick={() => setConfirming(false)}>
            Cancel
          </Button>
          <Button loading={buy.isPending} onClick={() => buy.mutate()}>
            Confirm purchase
          </Button>
        </Group>
      </Modal>
    </Section>
  );
}

function Purchases() {
  const { session, org } = useSignedIn();
  const pager = usePager();
  const purchases = useQuery({
    queryKey: ['purchases', session.org_id, pager.cursor],
    queryFn: () => api.purchases(session.org_id, { limit: 20, cursor: pager.cursor }),
    // A purchase waiting for payment changes when the provider confirms it: look again while one waits.
    refetchInterval: (query) => (query.state.data?.data.some((p) => p.status === 'pending_payment') ? 5_000 : false),
  });
  return (
    <Section title="Purchases" testId="purchases">
      <QueryView query={purchases}>
        {(page) =>
          page.data.length === 0 ? (
            <Empty>No purchases yet.</Empty>
          ) : (
            <>
              <Table data-testid="purchases-table">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Date</Table.Th>
                    <Table.Th>Credits</Table.Th>
                    <Table.Th>Price</Table.Th>
                    <Table.Th>Origin</Table.Th>
                    <Table.Th>Status</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {page.data.map((p) => (
                    <Table.Tr key={p.id} data-purchase={p.id}>
                      <Table.Td>{formatDateTime(p.created_at, org.timezone, locale)}</Table.Td>
                      <Table.Td>
                        <Credits value={p.amount} />
                      </Table.Td>
                      <Table.Td>{p.price_usd === null ? '—' : <Usd value={p.price_usd} />}</Table.Td>
                      <Table.Td>{p.origin === 'auto_recharge' ? 'Auto-recharge' : 'Manual'}</Table.Td>
                      <Table.Td>
                        <Badge color={STATUS[p.status].color} variant="light" data-status={p.status}>
                          {STATUS[p.status].label}
                        </Badge>
                        {p.failure_reason && (
                          <Text size="xs" c="dimmed">
                            {p.failure_reason}
                          </Text>
                        )}
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
              <PagerControls pager={pager} nextCursor={page.next_cursor} label="Purchases" />
            </>
          )
        }
      </QueryView>
    </Section>
  );
}
