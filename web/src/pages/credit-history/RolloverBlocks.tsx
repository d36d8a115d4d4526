import { Anchor, Badge, Stack, Table, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import type { Grant } from '../../../../src/client/index.js';
import { api, locale } from '../../api.js';
import { Credits } from '../../components/Amount.js';
import { formatDate, humanize } from '../../format.js';
import { useSignedIn } from '../../session.js';

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/**
 * Under a grant's disbursements: for a scheduled grant, the block its unused
 * credit rolled over into; for a rolled-over grant, where it came from.
 */
export function RolloverBlocks({ grant }: { grant: Grant }) {
  const { session, org } = useSignedIn();
  const from = str(grant.metadata.rolled_over_from);
  const into = str(grant.metadata.rolled_over_into);
  const target = useQuery({
    queryKey: ['grant', session.org_id, into],
    queryFn: () => api.grant(session.org_id, into!),
    enabled: into !== null,
  });
  if (from) {
    return (
      <Text size="sm" mt="sm" data-testid="rolled-over-from">
        Rolled over from{' '}
        <Anchor component={Link} to={`/credit-history/${encodeURIComponent(from)}`}>
          the previous period&apos;s grant
        </Anchor>
        .
      </Text>
    );
  }
  if (!target.data) return null;
  const g = target.data;
  return (
    <Stack gap="xs" mt="md" data-testid="rolled-over-blocks">
      <Text fw={600}>
        Rolled over into{' '}
        <Anchor component={Link} to={`/credit-history/${encodeURIComponent(g.id)}`}>
          {g.name}
        </Anchor>
      </Text>
      <Table>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Block</Table.Th>
            <Table.Th ta="right">Rolled over</Table.Th>
            <Table.Th ta="right">Remaining</Table.Th>
            <Table.Th>Start date</Table.Th>
            <Table.Th>End date</Table.Th>
            <Table.Th>Status</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {g.blocks.map((b) => (
            <Table.Tr key={b.id}>
              <Table.Td>
                <Badge variant="light" color="teal">
                  Rollover
                </Badge>
              </Table.Td>
              <Table.Td ta="right">
                <Credits value={b.amount} />
              </Table.Td>
              <Table.Td ta="right">
                <Credits value={b.remaining} />
              </Table.Td>
              <Table.Td>{formatDate(b.starts_at, org.timezone, locale)}</Table.Td>
              <Table.Td>{b.expires_at ? formatDate(b.expires_at, org.timezone, locale) : 'No end date'}</Table.Td>
              <Table.Td>
                <Badge variant="light" color="gray">
                  {humanize(b.status)}
                </Badge>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Stack>
  );
}
