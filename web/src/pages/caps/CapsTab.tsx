import { ActionIcon, Badge, Button, Group, SegmentedControl, Select, Stack, Table, Text, TextInput } from '@mantine/core';
import { IconTrash } from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Section } from '../../components/Section.js';
import { Empty, QueryView } from '../../components/States.js';
import { amountError } from '../../decimal.js';
import { may } from '../../roles.js';
import { useSignedIn } from '../../session.js';
import { CapBar } from './CapBar.js';
import { capKeys, capsApi, WINDOW_LABEL, type Cap, type CapMode, type CapWindow } from './capsApi.js';
import { useScopeNames } from './scopeNames.js';

/**
 * The Caps tab of Credits & Allocations: every cap the person may see with
 * its use this window. Owners and billing admins set caps on anything;
 * managers on their groups and those groups' members (the server decides,
 * this only offers what it would accept).
 */
export function CapsTab() {
  const { session, org } = useSignedIn();
  const caps = useQuery({ queryKey: capKeys.list(session.org_id), queryFn: () => capsApi.list(session.org_id) });
  const names = useScopeNames();
  return (
    <Stack>
      <NewCapForm />
      <Section title="Spend caps" testId="caps-list">
        <QueryView query={caps}>
          {({ data }) =>
            data.length === 0 ? (
              <Empty>No spend caps yet.</Empty>
            ) : (
              <Table data-testid="caps-table" verticalSpacing="sm">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Applies to</Table.Th>
                    <Table.Th>Mode</Table.Th>
                    <Table.Th w="45%">Use this window</Table.Th>
                    <Table.Th />
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {data.map((cap) => (
                    <Table.Tr key={cap.id} data-cap-row={cap.id}>
                      <Table.Td>{names.describe(cap.scope)}</Table.Td>
                      <Table.Td>
                        <ModeBadge mode={cap.mode} />
                      </Table.Td>
                      <Table.Td>
                        <CapBar cap={cap} timeZone={org.timezone} />
                      </Table.Td>
                      <Table.Td>
                        <DeleteCap cap={cap} />
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            )
          }
        </QueryView>
      </Section>
    </Stack>
  );
}

export function ModeBadge({ mode }: { mode: CapMode }) {
  return mode === 'block' ? (
    <Badge color="red" variant="light" title="Calls that would pass the limit are refused">
      Hard limit
    </Badge>
  ) : (
    <Badge color="blue" variant="light" title="Alerts only; nothing is refused">
      Alert only
    </Badge>
  );
}

function DeleteCap({ cap }: { cap: Cap }) {
  const { session } = useSignedIn();
  const client = useQueryClient();
  const remove = useMutation({
    mutationFn: () => capsApi.remove(session.org_id, cap.id),
    onSuccess: () => client.invalidateQueries({ queryKey: capKeys.list(session.org_id) }),
  });
  return (
    <ActionIcon variant="subtle" color="red" aria-label="Delete cap" loading={remove.isPending} onClick={() => remove.mutate()}>
      <IconTrash size={16} />
    </ActionIcon>
  );
}

type Kind = 'org' | 'group' | 'member' | 'project' | 'api_key' | 'meter';
const KIND_LABEL: Record<Kind, string> = {
  org: 'Whole organization',
  group: 'Group',
  member: 'Member',
  project: 'Project',
  api_key: 'API key',
  meter: 'Meter',
};

function parsePercents(text: string): number[] | null {
  const parts = text.split(',').map((p) => p.trim()).filter((p) => p !== '');
  const numbers = parts.map(Number);
  return numbers.every((n) => Number.isInteger(n) && n >= 1 && n <= 100) ? numbers : null;
}

function NewCapForm() {
  const { session } = useSignedIn();
  const client = useQueryClient();
  const names = useScopeNames();
  const kinds: Kind[] = may.billing(session.role) ? ['org', 'group', 'member', 'project', 'api_key', 'meter'] : ['group', 'member'];
  const [kind, setKind] = useState<Kind>(kinds[0]!);
  const [target, setTarget] = useState<string | null>(null);
  const [window, setWindow] = useState<CapWindow>('calendar_month');
  const [limit, setLimit] = useState('');
  const [mode, setMode] = useState<CapMode>('notify');
  const [percents, setPercents] = useState('80, 90, 100');
  const create = useMutation({
    mutationFn: () =>
      capsApi.create(session.org_id, {
        scope: kind === 'org' ? 'org' : `${kind}:${target ?? ''}`,
        window,
        limit: limit.trim(),
        mode,
        notify_at_percent: parsePercents(percents) ?? [],
      }),
    onSuccess: async () => {
      setLimit('');
      await client.invalidateQueries({ queryKey: capKeys.list(session.org_id) });
    },
  });
  const options = names.options(kind);
  const limitProblem = limit.trim() === '' ? null : amountError(limit.trim());
  const percentProblem = parsePercents(percents) === null ? 'Whole percents from 1 to 100, separated by commas.' : null;
  const ready = limit.trim() !== '' && !limitProblem && !percentProblem && (kind === 'org' || (target ?? '').trim() !== '');
  return (
    <Section title="New spend cap" testId="new-cap">
      <Stack gap="xs">
        <Group align="flex-end" wrap="wrap">
          <Select
            label="Applies to"
            data={kinds.map((k) => ({ value: k, label: KIND_LABEL[k] }))}
            value={kind}
            allowDeselect={false}
            onChange={(v) => {
              setKind((v as Kind | null) ?? kinds[0]!);
              setTarget(null);
            }}
            w={200}
            data-testid="cap-kind"
          />
          {kind !== 'org' &&
            (options ? (
              <Select label={KIND_LABEL[kind]} data={options} value={target} onChange={setTarget} searchable w={220} data-testid="cap-target" />
            ) : (
              <TextInput
                label={kind === 'project' ? 'Project name' : 'API key id'}
                value={target ?? ''}
                onChange={(e) => setTarget(e.currentTarget.value)}
                w={220}
                data-testid="cap-target"
              />
            ))}
          <Select
            label="Window"
            data={(Object.keys(WINDOW_LABEL) as CapWindow[]).map((w) => ({ value: w, label: WINDOW_LABEL[w] }))}
            value={window}
            allowDeselect={false}
            onChange={(v) => v && setWindow(v as CapWindow)}
            w={200}
            data-testid="cap-window"
          />
          <TextInput label="Limit (credits)" value={limit} onChange={(e) => setLimit(e.currentTarget.value)} error={limitProblem} w={160} data-testid="cap-limit" />
        </Group>
        <Group align="flex-end">
          <Stack gap={4}>
            <Text size="sm" fw={500}>
              When reached
            </Text>
            <SegmentedControl
              value={mode}
              onChange={(v) => setMode(v as CapMode)}
              data={[
                { value: 'notify', label: 'Alert only' },
                { value: 'block', label: 'Refuse further use' },
              ]}
              data-testid="cap-mode"
            />
          </Stack>
          <TextInput
            label="Alert at (% of the limit)"
            value={percents}
            onChange={(e) => setPercents(e.currentTarget.value)}
            error={percentProblem}
            w={200}
            data-testid="cap-percents"
          />
          <Button onClick={() => create.mutate()} disabled={!ready} loading={create.isPending} data-testid="cap-create">
            Add cap
          </Button>
        </Group>
        {create.isError && (
          <Text c="red" size="sm" role="alert">
            {create.error.message}
          </Text>
        )}
      </Stack>
    </Section>
  );
}
