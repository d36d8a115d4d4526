import { Badge, Stack, Text, VisuallyHidden } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import type { UsageEvent } from '../../../src/client/index.js';
import { api, locale } from '../api.js';
import { correctionChanges, correctionSummary, STATUS_LABEL } from '../eventHistory.js';
import type { Person } from '../readable.js';
import { useSignedIn } from '../session.js';
import { Credits } from './Amount.js';

const COLOR = { voided: 'red', amended: 'orange' } as const;

/** Members by id, to name people (a user column, who corrected an event); read only when a page needs them. */
export function usePeople(needed: boolean): ReadonlyMap<string, Person> {
  const { session } = useSignedIn();
  const members = useQuery({
    queryKey: ['members', session.org_id, 'people'],
    queryFn: () => api.members(session.org_id, { limit: 1000 }),
    staleTime: 60_000,
    enabled: needed,
  });
  return new Map((members.data?.data ?? []).map((m) => [m.id, m]));
}

/** The event's status as a badge and, under it, each correction: who, when and what changed. */
export function EventStatusCell({ event, people }: { event: UsageEvent; people: ReadonlyMap<string, Person> }) {
  const { org } = useSignedIn();
  return (
    <Stack gap={2} data-testid="event-status" data-status={event.status} maw={320}>
      {event.status === 'active' ? (
        // the usual case stays quiet: a badge on every row would hide the ones that matter
        <Text size="xs" c="dimmed">
          {STATUS_LABEL.active}
        </Text>
      ) : (
        <Badge variant="light" color={COLOR[event.status]} size="sm">
          {STATUS_LABEL[event.status]}
        </Badge>
      )}
      {event.corrections.length > 0 && (
        <Stack gap={0} data-testid="event-history">
          {event.corrections.map((c, i) => (
            <div key={i}>
              <Text size="xs" c="dimmed">
                {correctionSummary(c, people, org.timezone, locale)}
              </Text>
              {correctionChanges(c, org.timezone, locale).map((line) => (
                <Text size="xs" c="dimmed" key={line} pl="xs">
                  {line}
                </Text>
              ))}
            </div>
          ))}
        </Stack>
      )}
    </Stack>
  );
}

/**
 * An event's credits; a voided event's are struck through (it keeps the figures it was voided with, but they
 * were returned), with the word for readers who do not see the line.
 */
export function EventCredits({ event }: { event: UsageEvent }) {
  if (event.status !== 'voided') return <Credits value={event.cost_credits} />;
  return (
    <Text span td="line-through" c="dimmed" inherit title="Voided: these credits were returned">
      <Credits value={event.cost_credits} />
      <VisuallyHidden> (voided, returned)</VisuallyHidden>
    </Text>
  );
}
