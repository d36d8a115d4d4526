import { ActionIcon, Alert, Group, Stack, Table, Text, TextInput, Tooltip, UnstyledButton } from '@mantine/core';
import { IconCheck, IconChevronDown, IconChevronRight, IconDeviceFloppy, IconSearch, IconX } from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Fragment, useEffect, useState } from 'react';
import type { AllocGroup, Member } from '../../../../src/client/index.js';
import { api } from '../../api.js';
import { Credits } from '../../components/Amount.js';
import { PagerControls, usePager } from '../../components/Pager.js';
import { Empty, QueryView } from '../../components/States.js';
import { AMOUNT_INPUT, compareDecimal } from '../../decimal.js';
import { may } from '../../roles.js';
import { useSignedIn } from '../../session.js';
import { allocationKeys } from './common.js';
import { EditableAmount, isDirty } from './EditableAmount.js';
import { SortHeader, useSort } from './sort.js';

const PAGE = 10;

type Notice = { kind: 'saved' | 'refused'; text: string } | null;
type Drafts<F extends string> = Partial<Record<F, string>>;

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

/** Saves a row's drafts; on success the group figures are fetched again, on refusal the drafts stay. */
function useSaveRow<F extends string>(save: (body: Drafts<F>) => Promise<unknown>, onNotice: (n: Notice) => void, done: string) {
  const { session } = useSignedIn();
  const client = useQueryClient();
  return useMutation({
    mutationFn: save,
    onSuccess: async () => {
      onNotice({ kind: 'saved', text: done });
      await Promise.all([
        client.invalidateQueries({ queryKey: allocationKeys.groups(session.org_id) }),
        client.invalidateQueries({ queryKey: allocationKeys.members(session.org_id) }),
        client.invalidateQueries({ queryKey: allocationKeys.overview(session.org_id) }),
      ]);
    },
    onError: (error) => onNotice({ kind: 'refused', text: error instanceof Error ? error.message : 'The change was not saved.' }),
  });
}

function validDrafts(drafts: Record<string, string | undefined>, nullable: string[] = []): boolean {
  return Object.entries(drafts).every(([k, v]) => v === undefined || (nullable.includes(k) && v.trim() === '') || AMOUNT_INPUT.test(v.trim()));
}

function SaveActions({ name, dirty, valid, pending, onSave, onDiscard }: { name: string; dirty: boolean; valid: boolean; pending: boolean; onSave: () => void; onDiscard: () => void }) {
  if (!dirty) return null;
  return (
    <Group gap={4} wrap="nowrap">
      <Tooltip label="Save">
        <ActionIcon color="indigo" variant="filled" aria-label={`Save ${name}`} disabled={!valid} loading={pending} onClick={onSave} data-testid="save-row">
          <IconDeviceFloppy size={16} />
        </ActionIcon>
      </Tooltip>
      <Tooltip label="Discard">
        <ActionIcon variant="default" aria-label={`Discard changes to ${name}`} onClick={onDiscard}>
          <IconX size={16} />
        </ActionIcon>
      </Tooltip>
    </Group>
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

function useDebounced<T>(value: T, ms: number): T {
  const [debounced, setDebounced] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setDebounced(value), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return debounced;
}

function MembersPanel({ group, onNotice }: { group: AllocGroup; onNotice: (n: Notice) => void }) {
  const [search, setSearch] = useState('');
  const term = useDebounced(search.trim(), 250);
  return (
    <Stack gap="xs" p="xs" data-testid="members-panel">
      <TextInput
        placeholder={`Search members in ${group.name}…`}
        aria-label={`Search members in ${group.name}`}
        leftSection={<IconSearch size={14} />}
        value={search}
        onChange={(e) => setSearch(e.currentTarget.value)}
        maw={360}
        data-testid="member-search"
      />
      <MembersList key={term} group={group} term={term} onNotice={onNotice} />
    </Stack>
  );
}

/** One search's pages (a new search starts again at page 1). */
function MembersList({ group, term, onNotice }: { group: AllocGroup; term: string; onNotice: (n: Notice) => void }) {
  const { session } = useSignedIn();
  const pager = usePager();
  const members = useQuery({
    queryKey: [...allocationKeys.members(session.org_id), group.id, term, pager.cursor],
    queryFn: () => api.members(session.org_id, { group: group.id, search: term || undefined, limit: PAGE, cursor: pager.cursor }),
  });
  const [selected, setSelected] = useState<string | null>(null);
  return (
    <>
      <QueryView query={members}>
        {(page) => {
          const start = (pager.page - 1) * PAGE + 1;
          const end = start + page.data.length - 1;
          return (
            <>
              {page.data.length === 0 ? (
                <Empty>{term ? `No member of ${group.name} matches “${term}”.` : `${group.name} has no members.`}</Empty>
              ) : (
                <Table data-testid="members-table" highlightOnHover>
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th>Member</Table.Th>
                      <Table.Th>Monthly</Table.Th>
                      <Table.Th>Extra</Table.Th>
                      <Table.Th>Used</Table.Th>
                      <Table.Th>Remaining</Table.Th>
                      <Table.Th>Actions</Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {page.data.map((m) => (
                      <MemberRow key={m.id} member={m} selected={selected === m.id} onSelect={() => setSelected(m.id)} onNotice={onNotice} />
                    ))}
                  </Table.Tbody>
                </Table>
              )}
              <Group justify="space-between">
                <Text size="xs" c="dimmed" data-testid="members-shown">
                  {page.data.length === 0
                    ? 'Showing 0 members'
                    : term
                      ? `Showing ${start}–${end} matching members`
                      : `Showing ${start}–${end} of ${group.members} members`}
                </Text>
                <PagerControls pager={pager} nextCursor={page.next_cursor} label={`Members of ${group.name}`} />
              </Group>
            </>
          );
        }}
      </QueryView>
    </>
  );
}

type MemberField = 'monthly' | 'extra';

function MemberRow({ member, selected, onSelect, onNotice }: { member: Member; selected: boolean; onSelect: () => void; onNotice: (n: Notice) => void }) {
  const { session } = useSignedIn();
  const [drafts, setDrafts] = useState<Drafts<MemberField>>({});
  const dirtyFields = (Object.keys(drafts) as MemberField[]).filter((f) => isDirty(drafts[f], member[f]));
  const save = useSaveRow<MemberField>(
    async (body) => {
      const sent: { monthly?: string | null; extra?: string } = {};
      for (const f of dirtyFields) {
        const v = body[f]!.trim();
        if (f === 'monthly') sent.monthly = v === '' ? null : v;
        else sent.extra = v;
      }
      await api.updateMember(session.org_id, member.id, sent);
      setDrafts({});
    },
    onNotice,
    `Allocation of ${member.name} saved.`,
  );
  const doSave = () => dirtyFields.length > 0 && save.mutate(drafts);
  const cell = (f: MemberField, label: string) => (
    <EditableAmount
      label={`${label} of ${member.name}`}
      value={member[f]}
      draft={drafts[f]}
      editable
      nullable={f === 'monthly'}
      nullText="Group pool"
      onDraft={(d) => setDrafts((s) => ({ ...s, [f]: d }))}
      onSave={doSave}
      testId={`member-${f}`}
    />
  );
  return (
    <Table.Tr data-member={member.id} onClick={onSelect} bg={selected ? 'var(--mantine-color-indigo-0)' : 'transparent'} aria-selected={selected}>
      <Table.Td>
        <Text size="sm" fw={500}>
          {member.name}
        </Text>
        <Text size="xs" c="dimmed">
          {member.email}
        </Text>
      </Table.Td>
      <Table.Td>{cell('monthly', 'Monthly')}</Table.Td>
      <Table.Td>{cell('extra', 'Extra')}</Table.Td>
      <Table.Td data-testid="member-used">
        <Credits value={member.used} />
      </Table.Td>
      <Table.Td data-testid="member-remaining">
        <Credits value={member.remaining} />
      </Table.Td>
      <Table.Td>
        <SaveActions
          name={member.name}
          dirty={dirtyFields.length > 0}
          valid={validDrafts(drafts, ['monthly'])}
          pending={save.isPending}
          onSave={doSave}
          onDiscard={() => setDrafts({})}
        />
      </Table.Td>
    </Table.Tr>
  );
}
