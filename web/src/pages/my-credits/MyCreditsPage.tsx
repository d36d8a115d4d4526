import { Alert, Button, Card, Group, SimpleGrid, Stack, Table, Text, Textarea, TextInput, Title } from '@mantine/core';
import { IconCheck } from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, locale } from '../../api.js';
import { Credits } from '../../components/Amount.js';
import { PagerControls, usePager } from '../../components/Pager.js';
import { Section } from '../../components/Section.js';
import { Empty, QueryView } from '../../components/States.js';
import { amountError } from '../../decimal.js';
import { formatDateTime } from '../../format.js';
import { useSignedIn } from '../../session.js';
import { StatusBadge } from '../allocations/common.js';
import { MyCaps } from './MyCaps.js';
import { MyUsage } from './MyUsage.js';

/** Page 7: a person's own allocation, usage this cycle, their usage events, credit requests and their history. */
export default function MyCreditsPage() {
  const { session } = useSignedIn();
  const me = useQuery({ queryKey: ['members', session.org_id, 'me'], queryFn: () => api.member(session.org_id, session.member_id) });
  return (
    <Stack>
      <Title order={2}>My credits</Title>
      <QueryView query={me}>
        {(m) => (
          <SimpleGrid cols={{ base: 2, sm: 4 }}>
            <Figure testId="my-monthly" title="Monthly allocation" hint={m.monthly === null ? 'You draw on your group’s shared pool' : 'Your allocation per cycle'}>
              {m.monthly === null ? 'Group pool' : <Credits value={m.monthly} />}
            </Figure>
            <Figure testId="my-extra" title="Extra" hint="Added this cycle (approved requests)">
              <Credits value={m.extra} />
            </Figure>
            <Figure testId="my-used" title="Used this cycle" hint={`Including ${m.held} held for running jobs`}>
              <Credits value={m.used} />
            </Figure>
            <Figure testId="my-remaining" title="Remaining this cycle" hint="What you can still use">
              <Credits value={m.remaining} />
            </Figure>
          </SimpleGrid>
        )}
      </QueryView>
      <MyCaps />
      <MyUsage />
      <RequestForm />
      <MyRequests />
    </Stack>
  );
}

function Figure({ title, hint, children, testId }: { title: string; hint: string; children: React.ReactNode; testId: string }) {
  return (
    <Card withBorder data-testid={testId}>
      <Text size="sm" c="dimmed">
        {title}
      </Text>
      <Text size="xl" fw={700} data-testid="figure">
        {children}
      </Text>
      <Text size="xs" c="dimmed">
        {hint}
      </Text>
    </Card>
  );
}

function RequestForm() {
  const { session } = useSignedIn();
  const client = useQueryClient();
  const [amount, setAmount] = useState('');
  const [reason, setReason] = useState('');
  const [touched, setTouched] = useState(false);
  const create = useMutation({
    mutationFn: () => api.createRequest(session.org_id, { amount: amount.trim(), reason: reason.trim() }),
    onSuccess: async () => {
      setAmount('');
      setReason('');
      setTouched(false);
      await Promise.all([client.invalidateQueries({ queryKey: ['requests', session.org_id] }), client.invalidateQueries({ queryKey: ['members', session.org_id] })]);
    },
  });
  const amountProblem = touched ? amountError(amount, { allowZero: false }) : null;
  const reasonProblem = touched && reason.trim() === '' ? 'Say what the credits are for.' : null;
  return (
    <Section title="Request credits" testId="request-form">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          setTouched(true);
          if (amountError(amount, { allowZero: false }) || reason.trim() === '') return;
          create.mutate();
        }}
      >
        <Stack gap="xs" maw={480}>
          <TextInput label="Amount" value={amount} onChange={(e) => setAmount(e.currentTarget.value)} error={amountProblem} required />
          <Textarea label="Reason" value={reason} onChange={(e) => setReason(e.currentTarget.value)} error={reasonProblem} autosize minRows={2} required />
          {create.isError && (
            <Text c="red" size="sm" role="alert">
              {create.error.message}
            </Text>
          )}
          {create.isSuccess && (
            <Alert color="green" icon={<IconCheck size={18} />} data-testid="request-sent" role="status">
              {create.data.status === 'auto_approved'
                ? 'Your request was approved automatically; the credits are in your extra.'
                : 'Your request was sent; a manager or billing admin will decide on it.'}
            </Alert>
          )}
          <Group>
            <Button type="submit" loading={create.isPending}>
              Request credits
            </Button>
          </Group>
        </Stack>
      </form>
    </Section>
  );
}

function MyRequests() {
  const { session, org } = useSignedIn();
  const pager = usePager();
  const requests = useQuery({
    queryKey: ['requests', session.org_id, 'mine', pager.cursor],
    queryFn: () => api.requests(session.org_id, { limit: 20, cursor: pager.cursor }),
  });
  return (
    <Section title="My requests" testId="my-requests">
      <QueryView query={requests}>
        {(page) => {
          const mine = page.data.filter((r) => r.member === session.member_id);
          return mine.length === 0 && pager.page === 1 ? (
            <Empty>You have not requested credits yet.</Empty>
          ) : (
            <>
              <Table data-testid="my-requests-table">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Date</Table.Th>
                    <Table.Th>Requested</Table.Th>
                    <Table.Th>Approved</Table.Th>
                    <Table.Th>Reason</Table.Th>
                    <Table.Th>Status</Table.Th>
                    <Table.Th>Note</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {mine.map((r) => (
                    <Table.Tr key={r.id} data-request={r.id}>
                      <Table.Td>{formatDateTime(r.created_at, org.timezone, locale)}</Table.Td>
                      <Table.Td>
                        <Credits value={r.amount} />
                      </Table.Td>
                      <Table.Td>{r.approved_amount === null ? '—' : <Credits value={r.approved_amount} />}</Table.Td>
                      <Table.Td>{r.reason}</Table.Td>
                      <Table.Td>
                        <StatusBadge status={r.status} />
                      </Table.Td>
                      <Table.Td>{r.note ?? ''}</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
              <PagerControls pager={pager} nextCursor={page.next_cursor} label="My requests" />
            </>
          );
        }}
      </QueryView>
    </Section>
  );
}
