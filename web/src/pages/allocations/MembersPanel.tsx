/** A group's members, expanded under its row: searched, paged, each member's allocation edited in place. */
import { Group, Stack, Table, Text, TextInput } from '@mantine/core';
import { IconSearch } from '@tabler/icons-react';
import { useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import type { AllocGroup, Member } from '../../../../src/client/index.js';
import { api, locale } from '../../api.js';
import { countOf } from '../../readable.js';
import { Credits } from '../../components/Amount.js';
import { PagerControls, usePager } from '../../components/Pager.js';
import { Empty, QueryView } from '../../components/States.js';
import { useSignedIn } from '../../session.js';
import { allocationKeys } from './common.js';
import { EditableAmount, isDirty } from './EditableAmount.js';
import { SaveActions, useSaveRow, validDrafts, type Drafts, type Notice } from './rowEdit.js';

const PAGE = 10;

function useDebounced<T>(value: T, ms: number): T {
  const [debounced, setDebounced] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setDebounced(value), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return debounced;
}

export function MembersPanel({ group, onNotice }: { group: AllocGroup; onNotice: (n: Notice) => void }) {
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
                      : `Showing ${start}–${end} of ${countOf(group.members, 'member', 'members', locale)}`}
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
