import { Table } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { api, locale } from '../../api.js';
import { EventCredits, EventStatusCell, usePeople } from '../../components/EventStatus.js';
import { PagerControls, usePager } from '../../components/Pager.js';
import { Section } from '../../components/Section.js';
import { Empty, QueryView } from '../../components/States.js';
import { formatDateTime } from '../../format.js';
import { useSignedIn } from '../../session.js';

/**
 * "Your usage": the signed-in person's own usage events, newest first, ten per page. The server scopes a
 * member's listing to themselves; the user filter is passed anyway so managers and owners see only their own here too.
 */
export function MyUsage() {
  const { session, org } = useSignedIn();
  const pager = usePager();
  const meters = useQuery({ queryKey: ['meters', session.org_id], queryFn: () => api.meters(session.org_id), staleTime: 300_000 });
  const query = useQuery({
    queryKey: ['events', session.org_id, 'mine', session.member_id, pager.cursor],
    queryFn: () => api.events(session.org_id, { user: session.member_id, limit: 10, cursor: pager.cursor }),
  });
  const people = usePeople(query.data?.data.some((e) => e.corrections.length > 0) ?? false);
  const meterName = (key: string) => meters.data?.data.find((m) => m.key === key)?.name ?? key;
  return (
    <Section title="Your usage" testId="my-usage">
      <QueryView query={query}>
        {(page) =>
          page.data.length === 0 && pager.page === 1 ? (
            <Empty>You have no usage yet.</Empty>
          ) : (
            <>
              <Table striped data-testid="my-events-table">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Time</Table.Th>
                    <Table.Th>What</Table.Th>
                    <Table.Th>Project</Table.Th>
                    <Table.Th ta="right">Credits</Table.Th>
                    <Table.Th>Status</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {page.data.map((e) => (
                    <Table.Tr key={e.id} data-event={e.id}>
                      <Table.Td data-testid="event-time">{formatDateTime(e.timestamp, org.timezone, locale)}</Table.Td>
                      <Table.Td>{e.job_name ?? meterName(e.meter)}</Table.Td>
                      <Table.Td>{e.project ?? '—'}</Table.Td>
                      <Table.Td ta="right" data-testid="event-credits">
                        <EventCredits event={e} />
                      </Table.Td>
                      <Table.Td>
                        <EventStatusCell event={e} people={people} />
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
              <PagerControls pager={pager} nextCursor={page.next_cursor} label="Your usage" />
            </>
          )
        }
      </QueryView>
    </Section>
  );
}
