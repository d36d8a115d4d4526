import '@mantine/charts/styles.css';
import { AreaChart } from '@mantine/charts';
import { useQuery } from '@tanstack/react-query';
import { api, locale } from '../../api.js';
import { formatDay } from '../../format.js';
import { useSignedIn } from '../../session.js';
import { Section } from '../Section.js';
import { Loading, QueryView } from '../States.js';
import { forecastQuery } from './forecastApi.js';

// Charts need numbers for their geometry; the figures people read stay exact strings elsewhere.
const n = (v: string) => Number(v);

/**
 * The balance, actual (end of each day of the current period, from the
 * statement) then projected (the forecast), with disbursements starting and
 * blocks expiring marked on the day they happen.
 */
export function BalanceForecastChart() {
  const { session } = useSignedIn();
  const forecast = useQuery(forecastQuery(session.org_id));
  const statement = useQuery({ queryKey: ['statement', session.org_id, 'current'], queryFn: () => api.statement(session.org_id, 'current') });
  if (statement.isPending) return <Loading />;
  return (
    <Section title="Balance: actual, then projected" testId="balance-forecast-chart">
      <QueryView query={forecast}>
        {(f) => {
          const today = f.days[0]!.date;
          const actual = (statement.data?.days ?? []).filter((d) => d.date < today).map((d) => ({ date: d.date, actual: n(d.balance) }));
          const projected = f.days.map((d) => ({ date: d.date, projected: n(d.balance) }));
          const data = [...actual, ...projected].map((p) => ({ ...p, label: formatDay(p.date, locale, 'short') }));
          const marks = f.days.flatMap((d) => [
            ...(n(d.started) > 0 ? [{ x: formatDay(d.date, locale, 'short'), label: 'Grant starts', color: 'teal.6' }] : []),
            ...(n(d.expired) > 0 ? [{ x: formatDay(d.date, locale, 'short'), label: 'Credit expires', color: 'red.6' }] : []),
            ...(d.date === f.run_out_date ? [{ x: formatDay(d.date, locale, 'short'), label: 'Runs out', color: 'orange.7' }] : []),
          ]);
          return (
            <AreaChart
              h={260}
              data={data}
              dataKey="label"
              series={[
                { name: 'actual', label: 'Actual', color: 'indigo.6' },
                { name: 'projected', label: 'Projected', color: 'gray.5' },
              ]}
              referenceLines={marks}
              withLegend
              connectNulls={false}
              valueFormatter={(v) => new Intl.NumberFormat(locale, { maximumFractionDigits: 0 }).format(v)}
            />
          );
        }}
      </QueryView>
    </Section>
  );
}
