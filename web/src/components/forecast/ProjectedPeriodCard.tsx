import { Card, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { locale } from '../../api.js';
import { countOf } from '../../readable.js';
import { useSignedIn } from '../../session.js';
import { Credits } from '../Amount.js';
import { QueryView } from '../States.js';
import { forecastQuery } from './forecastApi.js';

/** The billing period's projected total usage: used so far plus the rest at the current pace. */
export function ProjectedPeriodCard() {
  const { session } = useSignedIn();
  const query = useQuery(forecastQuery(session.org_id));
  return (
    <Card withBorder data-testid="projected-period">
      <Text size="sm" c="dimmed">
        Projected this period
      </Text>
      <QueryView query={query}>
        {(f) => (
          <>
            <Text size="xl" fw={700} data-testid="figure-projected-period">
              <Credits value={f.period.projected_total} />
            </Text>
            <Text size="xs" c="dimmed">
              <Credits value={f.period.used} /> used so far, <Credits value={f.period.projected_rest} /> more at the pace of the last{' '}
              {countOf(f.burn_rate.last_30_days.days, 'day', 'days', locale)}
            </Text>
          </>
        )}
      </QueryView>
    </Card>
  );
}
