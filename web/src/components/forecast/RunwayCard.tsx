import { Alert, Card, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { locale } from '../../api.js';
import { formatDay } from '../../format.js';
import { countOf } from '../../readable.js';
import { useSignedIn } from '../../session.js';
import { Credits } from '../Amount.js';
import { QueryView } from '../States.js';
import { forecastQuery } from './forecastApi.js';

/** A local date ("2026-03-31") as the reader writes dates. */
export const dayLabel = (date: string) => formatDay(date, locale);

/** "At the current pace, credits run out on …", with the early-renewal advice and the credit projected to expire unused. */
export function RunwayCard() {
  const { session } = useSignedIn();
  const query = useQuery(forecastQuery(session.org_id));
  return (
    <QueryView query={query}>
      {(f) => (
        <Card withBorder data-testid="card-runway">
          <Text size="sm" c="dimmed">
            Runway
          </Text>
          <Text size="lg" fw={700} data-testid="runway-sentence">
            {f.run_out_date
              ? `At the current pace, credits run out on ${dayLabel(f.run_out_date)}.`
              : `At the current pace, credits last beyond ${dayLabel(f.days[f.days.length - 1]!.date)}.`}
          </Text>
          <Text size="xs" c="dimmed">
            Pace: <Credits value={f.burn_rate.last_30_days.per_day} /> a day over the last {countOf(f.burn_rate.last_30_days.days, 'day', 'days', locale)} (
            <Credits value={f.burn_rate.last_7_days.per_day} /> over the last {f.burn_rate.last_7_days.days}).
          </Text>
          {f.early_renewal && (
            <Alert color="orange" mt="sm" data-testid="early-renewal">
              {f.early_renewal.message}
            </Alert>
          )}
          {f.projected_waste.total !== '0' && (
            <Text size="sm" mt="xs" data-testid="projected-waste">
              <Credits value={f.projected_waste.total} /> credits are projected to expire unused.
            </Text>
          )}
        </Card>
      )}
    </QueryView>
  );
}
