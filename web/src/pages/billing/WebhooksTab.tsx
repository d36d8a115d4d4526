import { Alert, Badge, Button, Code, Group, Modal, MultiSelect, Stack, Switch, Table, Text, TextInput } from '@mantine/core';
import { IconKey } from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { WebhookEndpoint, WebhookEventType } from '../../../../src/client/index.js';
import { NOTIFICATION_TYPES } from '../../../../src/modules/outbox/types.js';
import { api, locale } from '../../api.js';
import { PagerControls, usePager } from '../../components/Pager.js';
import { Section } from '../../components/Section.js';
import { Empty, QueryView } from '../../components/States.js';
import { formatDateTime } from '../../format.js';
import { useSignedIn } from '../../session.js';

// The same list the server accepts: one definition, shared with the outbox module.
const EVENT_TYPES: readonly WebhookEventType[] = NOTIFICATION_TYPES;

export function WebhooksTab() {
  const { session } = useSignedIn();
  const endpoints = useQuery({ queryKey: ['webhooks', session.org_id], queryFn: () => api.webhooks(session.org_id) });
  const [selected, setSelected] = useState<string | null>(null);
  return (
    <Stack>
      <CreateEndpoint />
      <Section title="Endpoints" testId="webhook-endpoints">
        <QueryView query={endpoints}>
          {({ data }) =>
            data.length === 0 ? (
              <Empty>No webhook endpoints yet.</Empty>
            ) : (
              <Table data-testid="endpoints-table" highlightOnHover>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>URL</Table.Th>
                    <Table.Th>Events</Table.Th>
                    <Table.Th>Enabled</Table.Th>
                    <Table.Th>Actions</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {data.map((e) => (
                    <EndpointRow key={e.id} endpoint={e} selected={selected === e.id} onSelect={() => setSelected(selected === e.id ? null : e.id)} />
                  ))}
                </Table.Tbody>
              </Table>
            )
          }
        </QueryView>
      </Section>
      {selected && <Deliveries key={selected} endpoint={selected} />}
    </Stack>
  );
}

function CreateEndpoint() {
  const { session } = useSignedIn();
  const client = useQueryClient();
  const [url, setUrl] = useState('');
  const [events, setEvents] = useState<string[]>(['balance.low', 'balance.low_resolved']);
  const create = useMutation({
    mutationFn: () => api.createWebhook(session.org_id, { url: url.trim(), events: events as WebhookEventType[] }),
    onSuccess: async () => {
      setUrl('');
      await client.invalidateQueries({ queryKey: ['webhooks', session.org_id] });
    },
  });
  return (
    <Section title="Add a webhook endpoint" testId="webhook-create">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          create.mutate();
        }}
      >
        <Stack gap="xs" maw={640}>
          <TextInput label="Endpoint URL" placeholder="https://example.com/tally" value={url} onChange={(e) => setUrl(e.currentTarget.value)} required />
          <MultiSelect label="Events" data={EVENT_TYPES} value={events} onChange={setEvents} searchable />
          {create.isError && (
            <Text c="red" size="sm" role="alert">
              {create.error.message}
            </Text>
          )}
          {create.isSuccess && (
            <Alert color="yellow" icon={<IconKey size={18} />} title="Signing secret: shown only now" data-testid="webhook-secret">
              <Text size="sm">Store this secret now; Tally will not show it again. Use it to verify the webhook signatures.</Text>
              <Code block mt="xs" data-testid="secret-value">
                {create.data.secret}
              </Code>
            </Alert>
          )}
          <Group>
            <Button type="submit" disabled={url.trim() === '' || events.length === 0} loading={create.isPending}>
              Add endpoint
            </Button>
          </Group>
        </Stack>
      </form>
    </Section>
  );
}

function EndpointRow({ endpoint, selected, onSelect }: { endpoint: WebhookEndpoint; selected: boolean; onSelect: () => void }) {
  const { session } = useSignedIn();
  const client = useQueryClient();
  const [confirmDelete, setConfirmDelete] = useState(false);
  const refresh = () => client.invalidateQueries({ queryKey: ['webhooks', session.org_id] });
  const toggle = useMutation({ mutationFn: (enabled: boolean) => api.updateWebhook(session.org_id, endpoint.id, { enabled }), onSuccess: refresh });
  const remove = useMutation({ mutationFn: () => api.deleteWebhook(session.org_id, endpoint.id), onSuccess: refresh });
  return (
    <Table.Tr data-endpoint={endpoint.id}>
      <Table.Td>
        <Text size="sm" style={{ wordBreak: 'break-all' }}>
          {endpoint.url}
        </Text>
      </Table.Td>
      <Table.Td>
        <Group gap={4}>
          {endpoint.events.map((e) => (
            <Badge key={e} size="xs" variant="light">
              {e}
            </Badge>
          ))}
        </Group>
      </Table.Td>
      <Table.Td>
        <Switch aria-label={`Enabled ${endpoint.url}`} checked={endpoint.enabled} onChange={(e) => toggle.mutate(e.currentTarget.checked)} />
      </Table.Td>
      <Table.Td>
        <Group gap={4} wrap="nowrap">
          <Button size="xs" variant={selected ? 'filled' : 'default'} onClick={onSelect}>
            Delivery log
          </Button>
          <Button size="xs" color="red" variant="light" onClick={() => setConfirmDelete(true)}>
            Delete
          </Button>
        </Group>
        <Modal opened={confirmDelete} onClose={() => setConfirmDelete(false)} title="Delete this webhook endpoint?" centered>
          <Text size="sm">{endpoint.url} will receive no more notifications. Pending deliveries to it are cancelled.</Text>
          {remove.isError && (
            <Text c="red" size="sm" role="alert">
              {remove.error.message}
            </Text>
          )}
          <Group justify="flex-end" mt="md">
            <Button variant="default" onClick={() => setConfirmDelete(false)}>
              Cancel
            </Button>
            <Button color="red" loading={remove.isPending} onClick={() => remove.mutate()}>
              Delete endpoint
            </Button>
          </Group>
        </Modal>
      </Table.Td>
    </Table.Tr>
  );
}

function Deliveries({ endpoint }: { endpoint: string }) {
  const { session, org } = useSignedIn();
  const pager = usePager();
  const deliveries = useQuery({
    queryKey: ['webhook-deliveries', session.org_id, endpoint, pager.cursor],
    queryFn: () => api.webhookDeliveries(session.org_id, endpoint, { limit: 20, cursor: pager.cursor }),
  });
  return (
    <Section title="Delivery log" testId="delivery-log">
      <QueryView query={deliveries}>
        {(page) =>
          page.data.length === 0 ? (
            <Empty>Nothing has been sent to this endpoint yet.</Empty>
          ) : (
            <>
              <Table data-testid="deliveries-table">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Time</Table.Th>
                    <Table.Th>Type</Table.Th>
                    <Table.Th>Attempt</Table.Th>
                    <Table.Th>Result</Table.Th>
                    <Table.Th>Status</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {page.data.map((d) => (
                    <Table.Tr key={d.delivery_id + d.attempt} data-delivery={d.delivery_id}>
                      <Table.Td>{formatDateTime(d.attempted_at, org.timezone, locale)}</Table.Td>
                      <Table.Td>{d.type}</Table.Td>
                      <Table.Td>{d.attempt}</Table.Td>
                      <Table.Td>
                        <Badge color={d.ok ? 'green' : 'red'} variant="light">
                          {d.ok ? `OK ${d.status_code ?? ''}` : (d.error ?? `HTTP ${d.status_code}`)}
                        </Badge>
                      </Table.Td>
                      <Table.Td>{d.delivery_status}</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
              <PagerControls pager={pager} nextCursor={page.next_cursor} label="Deliveries" />
            </>
          )
        }
      </QueryView>
    </Section>
  );
}
