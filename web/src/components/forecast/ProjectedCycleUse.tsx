import { Table, Text } from '@mantine/core';
import { useQueries, useQuery } from '@tanstack/react-query';
import { api } from '../../api.js';
import { useSignedIn } from '../../session.js';
import { Credits } from '../Amount.js';
import { Section } from '../Section.js';
import { QueryView } from '../States.js';
import { forecastQuery } from './forecastApi.js';

/** Members shown with a projection: the first page is enough for a glance; each row is one forecast request. */
const MEMBER_LIMIT = 25;

/** Projected use this cycle per group and member, with the day each one's allocation would run out. */
export function ProjectedCycleUse() {
  const { session } = useSignedIn();
  const groups = useQuery({ queryKey: ['groups', session.org_id], queryFn: () => api.groups(session.org_id) });
  const members = useQuery({ queryKey: ['members', session.org_id, 'projection'], queryFn: () => api.members(session.org_id, { limit: MEMBER_LIMIT }) });
  const scopes = [...(groups.data?.data ?? []).map((g) => ({ scope: `group:${g.id}`, name: g.name })), ...(members.data?.data ?? []).map((m) => ({ scope: `member:${m.id}`, name: m.name }))];
  const forecasts = useQueries({ queries: scopes.map((s) => ({ ...forecastQuery(session.org_id, s.scope, 60) })) });
  return (
    <Section title="Projected use this cycle" testId="projected-cycle-use">
      <QueryView query={groups}>
        {() => (
          <Table>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Group or member</Table.Th>
                <Table.Th ta="right">Used</Table.Th>
                <Table.Th ta="right">Projected this cycle</Table.Th>
                <Table.Th>Allocation runs out</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {scopes.map((s, i) => {
                const f = forecasts[i]?.data;
                return (
                  <Table.Tr key={s.scope} data-scope={s.scope}>
                    <Table.Td>{s.name}</Table.Td>
                    <Table.Td ta="right">{f?.cycle ? <Credits value={f.cycle.used} /> : '…'}</Table.Td>
                    <Table.Td ta="right">{f?.cycle ? <Credits value={f.cycle.projected_total} /> : '…'}</Table.Td>
                    <Table.Td>
                      {f ? (
                        f.run_out_date && f.cycle && f.run_out_date < f.cycle.ends_at.slice(0, 10) ? (
                          <Text c="orange" size="sm">
                            {f.run_out_date}
                          </Text>
                        ) : (
                          'Not this cycle'
                        )
                      ) : (
                        '…'
                      )}
                    </Table.Td>
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table>
        )}
      </QueryView>
    </Section>
  );
}
