import { Alert, Group, Stack, Table, Text, UnstyledButton } from '@mantine/core';
import { IconCheck, IconChevronDown, IconChevronRight, IconX } from '@tabler/icons-react';
import { useQuery } from '@tanstack/react-query';
import { Fragment, useState } from 'react';
import type { AllocGroup } from '../../../../src/client/index.js';
import { api } from '../../api.js';
import { Credits } from '../../components/Amount.js';
import { Empty, QueryView } from '../../components/States.js';
import { compareDecimal } from '../../decimal.js';
import { may } from '../../roles.js';
import { useSignedIn } from '../../session.js';
import { allocationKeys } from './common.js';
import { EditableAmount, isDirty } from './EditableAmount.js';
import { MembersPanel } from './MembersPanel.js';
import { SaveActions, useSaveRow, validDrafts, type Drafts, type Notice } from './rowEdit.js';
import { SortHeader, useSort } from './sort.js';

export function AllocationsTab() {
  const { session } = useSignedIn();
  const groups = useQuery({ queryKey: allocationKeys.groups(session.org_id), queryFn: () => api.groups(session.org_id) });
  const [notice, setNotice] = useState<Notice>(null);
  const [open, setOpen] = useState<string | null>(null);
  const sort = useSort<'name' | 'members' | 'monthly_allocation' | 'extra' | 'distributed' | 'available' | 'auto_approve_reserve'>('name');

  return (
    <Stack>
      {notice && (
        <Alert
          color={notice.kind === 'saved' ? 'green' : 'red'}
          icon={notice.kind === 'saved' ? <IconCheck size={18} /> : <IconX size={18} />}
          withCloseButton
          onClose={() => setNotice(null)}
          data-testid={notice.kind === 'saved' ? 'saved-banner' : 'refused-banner'}
          role={notice.kind === 'saved' ? 'status' : 'alert'}
        >
          {notice.text}
        </Alert>
      )}
      <QueryView query={groups}>
        {({ data }) =>
          data.length === 0 ? (
            <Empty>No groups you can see.</Empty>
          ) : (
            <Table data-testid="groups-table" verticalSpacing="xs">
              <Table.Thead>
                <Table.Tr>
                  <SortHeader sort={sort} col="name">Group</SortHeader>
                  <SortHeader sort={sort} col="members">Members</SortHeader>
                  <SortHeader sort={sort} col="monthly_allocation">Monthly allocation</SortHeader>
                  <SortHeader sort={sort} col="extra">Extra</SortHeader>
                  <SortHeader sort={sort} col="distributed">Distributed</SortHeader>
                  <SortHeader sort={sort} col="available">Available</SortHeader>
                  <SortHeader sort={sort} col="auto_approve_reserve">Auto-approve</SortHeader>
                  <Table.Th>Actions</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {[...data]
                  .sort((a, b) => {
                    const d = sort.col === 'name' ? a.name.localeCompare(b.name) : sort.col === 'members' ? a.members - b.members : compareDecimal(a[sort.col], b[sort.col]);
                    return sort.asc ? d : -d;
                  })
                  .map((g) => (
                    <Fragment key={g.id}>
                      <GroupRow group={g} open={open === g.id} onToggle={() => setOpen(open === g.id ? null : g.id)} onNotice={setNotice} />
                      {open === g.id && (
                        <Table.Tr>
                          <Table.Td colSpan={8} bg="var(--mantine-color-gray-0)">
                            <MembersPanel group={g} onNotice={setNotice} />
                          </Table.Td>
                        </Table.Tr>
                      )}
                    </Fragment>
                  ))}
              </Table.Tbody>
            </Table>
          )
        }
      </QueryView>
    </Stack>
  );
}

type GroupField = 'monthly_allocation' | 'extra' | 'auto_approve_reserve';

function GroupRow({ group, open, onToggle, onNotice }: { group: AllocGroup; open: boolean; onToggle: () => void; onNotice: (n: Notice) => void }) {
  const { session } = useSignedIn();
  const editable = may.billing(session.role);
  const [drafts, setDrafts] = useState<Drafts<GroupField>>({});
  const dirtyFields = (Object.keys(drafts) as GroupField[]).filter((f) => isDirty(drafts[f], group[f]));
  const save = useSaveRow<GroupField>(
    async (body) => {
      const sent = Object.fromEntries(dirtyFields.map((f) => [f, body[f]!.trim()]));
      await api.updateGroup(session.org_id, group.id, sent);
      setDrafts({});
    },
    onNotice,
    `Allocation of group ${group.name} saved.`,
  );
  const doSave = () => dirtyFields.length > 0 && save.mutate(drafts);
  const cell = (f: GroupField, label: string) => (
    <EditableAmount
      label={`${label} of ${group.name}`}
      value={group[f]}
      draft={drafts[f]}
      editable={editable}
      onDraft={(d) => setDrafts((s) => ({ ...s, [f]: d }))}
      onSave={doSave}
      testId={`group-${f}`}
    />
  );
  const Chevron = open ? IconChevronDown : IconChevronRight;
  return (
    <Table.Tr data-group={group.id} data-group-name={group.name}>
      <Table.Td>
        <UnstyledButton onClick={onToggle} aria-expanded={open} aria-label={`${open ? 'Collapse' : 'Expand'} ${group.name}`} data-testid="group-toggle">
          <Group gap={4} wrap="nowrap">
            <Chevron size={16} />
            <Text fw={600} size="sm">
              {group.name}
            </Text>
          </Group>
        </UnstyledButton>
      </Table.Td>
      <Table.Td data-testid="group-members">{group.members}</Table.Td>
      <Table.Td>{cell('monthly_allocation', 'Monthly allocation')}</Table.Td>
      <Table.Td>{cell('extra', 'Extra')}</Table.Td>
      <Table.Td data-testid="group-distributed">
        <Credits value={group.distributed} />
      </Table.Td>
      <Table.Td data-testid="group-available">
        <Credits value={group.available} />
      </Table.Td>
      <Table.Td>{cell('auto_approve_reserve', 'Auto-approve reserve')}</Table.Td>
      <Table.Td>
        <SaveActions
          name={group.name}
          dirty={dirtyFields.length > 0}
          valid={validDrafts(drafts)}
          pending={save.isPending}
          onSave={doSave}
          onDiscard={() => setDrafts({})}
        />
      </Table.Td>
    </Table.Tr>
  );
}
