import { Alert, Button, Group, Select, Stack, Table, Text, TextInput } from '@mantine/core';
import { IconCheck } from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { CreditRequest, RequestStatus } from '../../../../src/client/index.js';
import { api, locale } from '../../api.js';
import { Credits } from '../../components/Amount.js';
import { usePeople } from '../../components/EventStatus.js';
import { PagerControls, usePager } from '../../components/Pager.js';
import { Empty, QueryView } from '../../components/States.js';
import { amountError } from '../../decimal.js';
import { formatDateTime } from '../../format.js';
import { actorName } from '../../readable.js';
import { useSignedIn } from '../../session.js';
import { allocationKeys, REQUEST_STATUSES, StatusBadge } from './common.js';

const PAGE = 20;

export function RequestsTab() {
  const [status, setStatus] = useState<RequestStatus | 'all'>('all');
  const [done, setDone] = useState<string | null>(null);
  return (
    <Stack>
      <Group>
        <Select
          aria-label="Status filter"
          data-testid="status-filter"
          value={status}
          allowDeselect={false}
          onChange={(v) => setStatus((v ?? 'all') as RequestStatus | 'all')}
          data={[{ value: 'all', label: 'All Statuses' }, ...REQUEST_STATUSES.map((s) => ({ value: s.value, label: s.label }))]}
          w={200}
        />
      </Group>
      {done && (
        <Alert color="green" icon={<IconCheck size={18} />} withCloseButton onClose={() => setDone(null)} data-testid="decided-banner" role="status">
          {done}
        </Alert>
      )}
      <RequestList key={status} status={status} onDone={setDone} />
    </Stack>
  );
}

function RequestList({ status, onDone }: { status: RequestStatus | 'all'; onDone: (text: string) => void }) {
  const { session, org } = useSignedIn();
  const pager = usePager();
  const [selected, setSelected] = useState<string | null>(null);
  const requests = useQuery({
    queryKey: [...allocationKeys.requests(session.org_id), status, pager.cursor],
    queryFn: () => api.requests(session.org_id, { status: status === 'all' ? undefined : status, limit: PAGE, cursor: pager.cursor }),
  });
  return (
    <QueryView query={requests}>
      {(page) =>
        page.data.length === 0 ? (
          <Empty>No credit requests{status === 'all' ? '' : ` with status ${REQUEST_STATUSES.find((s) => s.value === status)?.label}`}.</Empty>
        ) : (
          <>
            <Table data-testid="requests-table" highlightOnHover verticalSpacing="xs">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Requester</Table.Th>
                  <Table.Th>Requested</Table.Th>
                  <Table.Th>Approved</Table.Th>
                  <Table.Th>Reason</Table.Th>
                  <Table.Th>Date</Table.Th>
                  <Table.Th>Status</Table.Th>
                  <Table.Th>Actions</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {page.data.map((r) => (
                  <Table.Tr
                    key={r.id}
                    data-request={r.id}
                    tabIndex={0}
                    aria-selected={selected === r.id}
                    onClick={() => setSelected(r.id)}
                    onKeyDown={(e) => e.key === 'Enter' && e.target === e.currentTarget && setSelected(r.id)}
                    bg={selected === r.id ? 'var(--mantine-color-indigo-0)' : 'transparent'}
                    style={{ cursor: 'pointer' }}
                  >
                    <Table.Td>
                      <Text size="sm" fw={500}>
                        {r.requester_name}
                      </Text>
                      <Text size="xs" c="dimmed">
                        {r.requester_email}
                      </Text>
                    </Table.Td>
                    <Table.Td data-testid="request-amount">
                      <Credits value={r.amount} />
                    </Table.Td>
                    <Table.Td data-testid="request-approved">{r.approved_amount === null ? '—' : <Credits value={r.approved_amount} />}</Table.Td>
                    <Table.Td maw={260}>
                      <Text size="sm" lineClamp={2}>
                        {r.reason}
                      </Text>
                    </Table.Td>
                    <Table.Td>{formatDateTime(r.created_at, org.timezone, locale)}</Table.Td>
                    <Table.Td>
                      <StatusBadge status={r.status} />
                    </Table.Td>
                    <Table.Td>{selected === r.id && <Decision request={r} onDone={onDone} />}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
            <PagerControls pager={pager} nextCursor={page.next_cursor} label="Credit requests" />
          </>
        )
      }
    </QueryView>
  );
}

/** Approve (an amount that defaults to the requested one) or deny (with a note) a pending request. */
function Decision({ request, onDone }: { request: CreditRequest; onDone: (text: string) => void }) {
  const { session } = useSignedIn();
  const client = useQueryClient();
  const [amount, setAmount] = useState(request.amount);
  const [note, setNote] = useState('');
  const people = usePeople(request.decided_by !== null && request.decided_by !== undefined);
  const decide = useMutation({
    mutationFn: (approve: boolean) =>
      approve
        ? api.approveRequest(session.org_id, request.id, { amount: amount.trim(), ...(note.trim() ? { note: note.trim() } : {}) })
        : api.denyRequest(session.org_id, request.id, note.trim() ? { note: note.trim() } : {}),
    onSuccess: async (r) => {
      onDone(`${r.status === 'denied' ? 'Denied' : 'Approved'} the request of ${r.requester_name}.`);
      await Promise.all(
        [allocationKeys.requests, allocationKeys.groups, allocationKeys.members, allocationKeys.overview].map((k) => client.invalidateQueries({ queryKey: k(session.org_id) })),
      );
    },
  });
  if (request.status !== 'pending') {
    return (
      <Text size="xs" c="dimmed" data-testid="decision-note" data-actor={request.decided_by ?? undefined}>
        {request.decided_by ? `Decided by ${actorName(request.decided_by, people)}` : 'Decided'}
        {request.note ? `: ${request.note}` : ''}
      </Text>
    );
  }
  const error = amountError(amount, { allowZero: false });
  return (
    <Stack gap={4} miw={220} onClick={(e) => e.stopPropagation()} data-testid="decision">
      <TextInput size="xs" label="Amount to approve" value={amount} onChange={(e) => setAmount(e.currentTarget.value)} error={error} />
      <TextInput size="xs" label="Note" placeholder="Optional note to the requester" value={note} onChange={(e) => setNote(e.currentTarget.value)} />
      {decide.isError && (
        <Text size="xs" c="red" role="alert">
          {decide.error.message}
        </Text>
      )}
      <Group gap={4}>
        <Button size="xs" color="green" disabled={!!error} loading={decide.isPending && decide.variables} onClick={() => decide.mutate(true)}>
          Approve
        </Button>
        <Button size="xs" color="red" variant="light" loading={decide.isPending && !decide.variables} onClick={() => decide.mutate(false)}>
          Deny
        </Button>
      </Group>
    </Stack>
  );
}
