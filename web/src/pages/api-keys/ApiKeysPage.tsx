import { Alert, Button, Stack, Table, Text, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, locale } from '../../api.js';
import { PagerControls, usePager } from '../../components/Pager.js';
import { Empty, QueryView } from '../../components/States.js';
import { formatDateTime } from '../../format.js';
import { ROLE_LABEL } from '../../roles.js';
import { useSignedIn } from '../../session.js';


/** Owners see the organization's live API keys (never their secrets) and revoke them (GET/DELETE …/api-keys). */
export default function ApiKeysPage() {
  const { session, org } = useSignedIn();
  const client = useQueryClient();
  const pager = usePager();
  const keys = useQuery({
    queryKey: ['api-keys', session.org_id, pager.cursor],
    queryFn: () => api.apiKeys(session.org_id, { limit: 50, cursor: pager.cursor }),
    enabled: session.role === 'owner',
  });
  const revoke = useMutation({
    mutationFn: (id: string) => api.revokeApiKey(session.org_id, id),
    onSuccess: () => client.invalidateQueries({ queryKey: ['api-keys', session.org_id] }),
  });
  if (session.role !== 'owner') {
    return (
      <Stack>
        <Title order={2}>API keys</Title>
        <Alert color="gray">Only owners see and revoke API keys.</Alert>
      </Stack>
    );
  }
  const when = (iso: string | null) => (iso ? formatDateTime(iso, org.timezone, locale) : 'Never');
  return (
    <Stack>
      <Title order={2}>API keys</Title>
      <Text size="sm" c="dimmed">
        A key bound to a member acts with that member’s current role and stops when the member is removed. Revoking a key stops it at once.
      </Text>
      {revoke.isError && <Alert color="red">{revoke.error instanceof Error ? revoke.error.message : 'The key could not be revoked.'}</Alert>}
      <QueryView query={keys}>
        {(page) =>
          page.data.length === 0 ? (
            <Empty>This organization has no live API keys.</Empty>
          ) : (
            <>
              <Table data-testid="api-keys-table" verticalSpacing="xs">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Name</Table.Th>
                    <Table.Th>Role</Table.Th>
                    <Table.Th>Member</Table.Th>
                    <Table.Th>Created</Table.Th>
                    <Table.Th>Last used</Table.Th>
                    <Table.Th />
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {page.data.map((k) => (
                    <Table.Tr key={k.id} data-key={k.id}>
                      <Table.Td>{k.name}</Table.Td>
                      <Table.Td>{ROLE_LABEL[k.role]}</Table.Td>
                      <Table.Td>{k.member_name ?? (k.member ? k.member : '—')}</Table.Td>
                      <Table.Td>{when(k.created_at)}</Table.Td>
                      <Table.Td>{when(k.last_used_at)}</Table.Td>
                      <Table.Td>
                        <Button
                          size="xs"
                          color="red"
                          variant="light"
                          loading={revoke.isPending && revoke.variables === k.id}
                          onClick={() => {
                            if (window.confirm(`Revoke the key “${k.name}”? Anything using it stops working at once.`)) revoke.mutate(k.id);
                          }}
                        >
                          Revoke
                        </Button>
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
              <PagerControls pager={pager} nextCursor={page.next_cursor} label="API keys" />
            </>
          )
        }
      </QueryView>
    </Stack>
  );
}
