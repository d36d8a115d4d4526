import { Anchor, Badge, Table, Text } from '@mantine/core';
import { Link } from 'react-router';
import type { Grant } from '../../../../src/client/index.js';
import { locale } from '../../api.js';
import { Credits } from '../../components/Amount.js';
import { GrantScope } from '../../components/GrantScope.js';
import { formatDate } from '../../format.js';

const STATUS: Record<Grant['status'], { label: string; color: string }> = {
  in_use: { label: 'In use', color: 'green' },
  pending: { label: 'Pending', color: 'blue' },
  pending_payment: { label: 'Awaiting payment', color: 'yellow' },
  depleted: { label: 'Depleted', color: 'gray' },
  expired: { label: 'Expired', color: 'orange' },
  voided: { label: 'Voided', color: 'red' },
};

export function GrantStatus({ status }: { status: Grant['status'] }) {
  const s = STATUS[status];
  return (
    <Badge color={s.color} variant="light">
      {s.label}
    </Badge>
  );
}

/** Grants as the credit-history tabs and the usage page's credit grants table show them. */
export function GrantsTable({ grants, timeZone, linked }: { grants: Grant[]; timeZone: string; linked: boolean }) {
  return (
    <Table striped highlightOnHover data-testid="grants-table">
      <Table.Thead>
        <Table.Tr>
          <Table.Th>Description</Table.Th>
          <Table.Th>Source</Table.Th>
          <Table.Th>Grant date</Table.Th>
          <Table.Th>Expiration</Table.Th>
          <Table.Th>Status</Table.Th>
          <Table.Th ta="right">Original amount</Table.Th>
          <Table.Th ta="right">Remaining</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {grants.map((g) => (
          <Table.Tr key={g.id} data-grant={g.id}>
            <Table.Td>
              {linked ? (
                <Anchor component={Link} to={`/credit-history/${encodeURIComponent(g.id)}`}>
                  {g.name}
                </Anchor>
              ) : (
                g.name
              )}
              <GrantScope appliesTo={g.applies_to} />
            </Table.Td>
            <Table.Td tt="capitalize">{g.source}</Table.Td>
            <Table.Td>{formatDate(g.starts_at ?? g.created_at, timeZone, locale)}</Table.Td>
            <Table.Td>{g.expires_at ? formatDate(g.expires_at, timeZone, locale) : 'Never'}</Table.Td>
            <Table.Td>
              <GrantStatus status={g.status} />
            </Table.Td>
            <Table.Td ta="right">
              <Credits value={g.amount} />
            </Table.Td>
            <Table.Td ta="right">
              <span data-testid="grant-remaining">
                <Credits value={g.remaining} />
              </span>
              {/* disbursements not released yet are scheduled, not balance */}
              {g.pending !== '0' && (
                <Text size="xs" c="dimmed" data-testid="grant-scheduled">
                  + <Credits value={g.pending} /> scheduled
                </Text>
              )}
            </Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}
