import { ActionIcon, Alert, Badge, Button, Group, Select, Stack, Table, TagsInput, Text, TextInput } from '@mantine/core';
import { IconCheck, IconPlus, IconTrash } from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { AlertThresholdInput, Alerts } from '../../../../src/client/index.js';
import { api } from '../../api.js';
import { Credits } from '../../components/Amount.js';
import { Section } from '../../components/Section.js';
import { QueryView } from '../../components/States.js';
import { amountError } from '../../decimal.js';
import { useSignedIn } from '../../session.js';

type Kind = 'credits' | 'pct';
interface Row {
  kind: Kind;
  value: string;
}

const PCT = /^\d{1,3}(\.\d{1,2})?$/;

function rowError(r: Row): string | null {
  if (r.kind === 'credits') return amountError(r.value);
  if (!PCT.test(r.value.trim()) || Number(r.value) > 100) return 'A percentage from 0 to 100, at most 2 decimals.';
  return null;
}

export function AlertsTab() {
  const { session } = useSignedIn();
  const alerts = useQuery({ queryKey: ['alerts', session.org_id], queryFn: () => api.alerts(session.org_id) });
  return <QueryView query={alerts}>{(a) => <AlertsForm alerts={a} />}</QueryView>;
}

function AlertsForm({ alerts }: { alerts: Alerts }) {
  const { session } = useSignedIn();
  const client = useQueryClient();
  const [rows, setRows] = useState<Row[]>(
    alerts.thresholds.map((t) => (t.credits !== undefined ? { kind: 'credits', value: t.credits } : { kind: 'pct', value: String(t.pct_of_included ?? 0) })),
  );
  const [emails, setEmails] = useState<string[]>(alerts.emails);
  const save = useMutation({
    mutationFn: () =>
      api.putAlerts(session.org_id, {
        thresholds: rows.map((r): AlertThresholdInput => (r.kind === 'credits' ? { credits: r.value.trim() } : { pct_of_included: Number(r.value.trim()) })),
        emails,
      }),
    onSuccess: (data) => client.setQueryData(['alerts', session.org_id], data),
  });
  const invalid = rows.some((r) => rowError(r) !== null);
  return (
    <Stack>
      <Section title="Current thresholds" testId="alert-states">
        <Text size="sm" mb="xs">
          Available now: <Credits value={alerts.available} />
        </Text>
        {alerts.thresholds.length === 0 ? (
          <Text size="sm" c="dimmed">
            No thresholds yet: no low-credit alert is sent.
          </Text>
        ) : (
          <Table data-testid="threshold-table">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Threshold</Table.Th>
                <Table.Th>In credits now</Table.Th>
                <Table.Th>State</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {alerts.thresholds.map((t) => (
                <Table.Tr key={t.id} data-threshold={t.id}>
                  <Table.Td>{t.credits !== undefined ? <Credits value={t.credits} /> : `${t.pct_of_included}% of included credits`}</Table.Td>
                  <Table.Td>
                    <Credits value={t.level} />
                  </Table.Td>
                  <Table.Td>
                    <Badge color={t.state === 'below' ? 'red' : 'green'} variant="light">
                      {t.state === 'below' ? 'Below' : 'OK'}
                    </Badge>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
      </Section>
      <Section title="Low-credit alerts" testId="alerts-form">
        <form
          onSubmit={(e) => {
            e.preventDefault();
            if (!invalid) save.mutate();
          }}
        >
          <Stack gap="xs" maw={560}>
            <Text size="sm" c="dimmed">
              An alert is sent once when available credits fall below a threshold, and a resolved notice when they rise back above it.
            </Text>
            {rows.map((r, i) => (
              <Group key={i} align="flex-start" data-testid="threshold-row">
                <Select
                  aria-label={`Threshold ${i + 1} kind`}
                  data={[
                    { value: 'credits', label: 'Credits' },
                    { value: 'pct', label: '% of included' },
                  ]}
                  value={r.kind}
                  allowDeselect={false}
                  onChange={(v) => setRows(rows.map((x, j) => (j === i ? { ...x, kind: (v ?? 'credits') as Kind } : x)))}
                  w={160}
                />
                <TextInput
                  aria-label={`Threshold ${i + 1}`}
                  value={r.value}
                  error={r.value === '' ? null : rowError(r)}
                  onChange={(e) => {
                    const value = e.currentTarget.value;
                    setRows(rows.map((x, j) => (j === i ? { ...x, value } : x)));
                  }}
                  w={180}
                />
                <ActionIcon variant="default" size="lg" aria-label={`Remove threshold ${i + 1}`} onClick={() => setRows(rows.filter((_, j) => j !== i))}>
                  <IconTrash size={16} />
                </ActionIcon>
              </Group>
            ))}
            <Group>
              <Button variant="light" leftSection={<IconPlus size={16} />} onClick={() => setRows([...rows, { kind: 'credits', value: '' }])}>
                Add threshold
              </Button>
            </Group>
            <TagsInput label="Email recipients" description="Press Enter after each address" value={emails} onChange={setEmails} placeholder="ops@example.com" />
            {save.isError && (
              <Text c="red" size="sm" role="alert">
                {save.error.message}
              </Text>
            )}
            {save.isSuccess && (
              <Alert color="green" icon={<IconCheck size={18} />} data-testid="alerts-saved" role="status">
                Alert settings saved.
              </Alert>
            )}
            <Group>
              <Button type="submit" disabled={invalid} loading={save.isPending}>
                Save alerts
              </Button>
            </Group>
          </Stack>
        </form>
      </Section>
    </Stack>
  );
}
