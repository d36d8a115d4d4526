import { Autocomplete, Button, Code, Group, Stack, Table, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { api, locale } from '../../api.js';
import { BillingNotice } from '../../components/BillingNotice.js';
import { usePeople } from '../../components/EventStatus.js';
import { PagerControls, usePager } from '../../components/Pager.js';
import { Empty, QueryView } from '../../components/States.js';
import { formatDateTime } from '../../format.js';
import { actorFilter, actorName, auditChanges, type Person } from '../../readable.js';
import { may } from '../../roles.js';
import { useSignedIn } from '../../session.js';

/** Page 9: every change by a person or key, filterable by action and actor, newest first. */
export default function AuditPage() {
  const { session } = useSignedIn();
  const [filters, setFilters] = useState({ action: '', actor: '' });
  return (
    <Stack>
      <Title order={2}>Audit log</Title>
      {may.billing(session.role) ? (
        <>
          <AuditFilters onApply={setFilters} />
          <AuditList key={`${filters.action}|${filters.actor}`} action={filters.action} actor={filters.actor} />
        </>
      ) : (
        <BillingNotice what="The audit log" />
      )}
    </Stack>
  );
}

function AuditFilters({ onApply }: { onApply: (f: { action: string; actor: string }) => void }) {
  const [action, setAction] = useState('');
  const [actor, setActor] = useState('');
  const people = usePeople(true);
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        onApply({ action: action.trim(), actor: actorFilter(actor, people) });
      }}
    >
      <Group align="flex-end">
        <Autocomplete label="Action" placeholder="All actions" data={ACTIONS} value={action} onChange={setAction} w={240} />
        <Autocomplete
          label="Actor"
          placeholder="A member's name, or a key id"
          data={[...new Set([...people.values()].map((p) => p.name))]}
          value={actor}
          onChange={setActor}
          w={240}
        />
        <Button type="submit">Filter</Button>
        <Button
          variant="default"
          onClick={() => {
            setAction('');
            setActor('');
            onApply({ action: '', actor: '' });
          }}
        >
          Clear
        </Button>
      </Group>
    </form>
  );
}

/** The actions Tally records (any other text is searched for as typed). */
const ACTIONS = [
  'alerts.update',
  'auto_recharge.update',
  'cycle.reset',
  'grant.create',
  'grant.void',
  'group.create',
  'group.delete',
  'group.update',
  'member.create',
  'member.delete',
  'member.update',
  'org.update',
  'purchase.confirm',
  'purchase.create',
  'request.approve',
  'request.auto_approve',
  'request.create',
  'request.deny',
  'settings.update',
  'webhook.create',
  'webhook.delete',
  'webhook.update',
];

const json = (v: unknown) => (v === null || v === undefined ? '—' : JSON.stringify(v, null, 2));

function AuditList({ action, actor }: { action: string; actor: string }) {
  const { session, org } = useSignedIn();
  const pager = usePager();
  const audit = useQuery({
    queryKey: ['audit', session.org_id, action, actor, pager.cursor],
    queryFn: () => api.audit(session.org_id, { action: action || undefined, actor: actor || undefined, limit: 25, cursor: pager.cursor }),
  });
  // Actors are recorded as ids ("member:mem_ana"); the log shows the member's name.
  const members = useQuery({
    queryKey: ['audit-people', session.org_id],
    queryFn: () => api.members(session.org_id, { limit: 100 }),
    staleTime: 60_000,
  });
  const people = new Map<string, Person>((members.data?.data ?? []).map((m) => [m.id, m]));
  return (
    <QueryView query={audit}>
      {(page) =>
        page.data.length === 0 ? (
          <Empty>No audit entries{action || actor ? ' match these filters' : ''}.</Empty>
        ) : (
          <>
            <Table data-testid="audit-table" verticalSpacing="xs">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Time</Table.Th>
                  <Table.Th>Actor</Table.Th>
                  <Table.Th>Action</Table.Th>
                  <Table.Th>Target</Table.Th>
                  <Table.Th>Change</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {page.data.map((a) => (
                  <Table.Tr key={a.id} data-audit={a.id}>
                    <Table.Td>
                      <Text size="sm" style={{ whiteSpace: 'nowrap' }}>
                        {formatDateTime(a.at, org.timezone, locale)}
                      </Text>
                    </Table.Td>
                    <Table.Td data-testid="audit-actor" data-actor={a.actor} title={a.actor}>
                      {actorName(a.actor, people)}
                    </Table.Td>
                    <Table.Td data-testid="audit-action">{a.action}</Table.Td>
                    <Table.Td style={{ overflowWrap: 'anywhere' }}>{a.target}</Table.Td>
                    <Table.Td maw={360}>
                      <Stack gap={2} data-testid="audit-change">
                        {auditChanges(a.before, a.after, locale).map((line) => (
                          <Text size="sm" key={line} style={{ overflowWrap: 'anywhere' }}>
                            {line}
                          </Text>
                        ))}
                        <details>
                          <summary style={{ cursor: 'pointer', fontSize: 'var(--mantine-font-size-xs)' }}>Raw JSON</summary>
                          <Text size="xs" c="dimmed">
                            Before
                          </Text>
                          <Code block data-testid="audit-before" style={{ maxHeight: 160, overflow: 'auto' }}>
                            {json(a.before)}
                          </Code>
                          <Text size="xs" c="dimmed">
                            After
                          </Text>
                          <Code block data-testid="audit-after" style={{ maxHeight: 160, overflow: 'auto' }}>
                            {json(a.after)}
                          </Code>
                        </details>
                      </Stack>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
            <PagerControls pager={pager} nextCursor={page.next_cursor} label="Audit log" />
          </>
        )
      }
    </QueryView>
  );
}
