import '@mantine/charts/styles.css';
import '@mantine/dates/styles.css';
import { AreaChart, BarChart } from '@mantine/charts';
import { Group, SegmentedControl, SimpleGrid, Switch, Text } from '@mantine/core';
import { DatePickerInput, type DatesRangeValue } from '@mantine/dates';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import type { UsageSeries } from '../../../../src/client/index.js';
import { api, locale } from '../../api.js';
import { Credits } from '../../components/Amount.js';
import { Empty, QueryView } from '../../components/States.js';
import { dayInZone, formatAmount, formatDay } from '../../format.js';
import { useSignedIn } from '../../session.js';
import { addDays, firstOfMonth } from './days.js';
import { Section } from '../../components/Section.js';
import { usageQueries } from './firstScreen.js';

const COLORS = ['indigo.6', 'teal.6', 'orange.6', 'grape.6', 'cyan.6', 'red.6', 'lime.7', 'pink.6', 'yellow.7', 'blue.4'];

// Charts need numbers for their geometry; the figures people read (tables,
// tooltips) are formatted from the exact decimal strings.
const toChartNumber = (value: string) => Number(value);

type DailyRange = '7' | '14' | 'period';

function useToday(): string {
  const { org } = useSignedIn();
  return dayInZone(new Date(), org.timezone);
}

/** Daily credits in the current billing period: 7 days, 14 days or the full period. */
export function DailyUsageChart() {
  const { session } = useSignedIn();
  const today = useToday();
  const [range, setRange] = useState<DailyRange>('period');
  const from = range === 'period' ? firstOfMonth(today) : addDays(today, -(Number(range) - 1));
  const query = useQuery(usageQueries.daily(session.org_id, from, today));
  return (
    <Section
      title="Daily usage"
      right={
        <SegmentedControl
          size="xs"
          value={range}
          onChange={(v) => setRange(v as DailyRange)}
          data={[
            { value: '7', label: '7 days' },
            { value: '14', label: '14 days' },
            { value: 'period', label: 'Full period' },
          ]}
          data-testid="daily-range"
        />
      }
    >
      <QueryView query={query}>{(s) => <DailyBars series={s} />}</QueryView>
    </Section>
  );
}

function DailyBars({ series }: { series: UsageSeries }) {
  // Drawn at once: a deferred background render (useDeferredValue) could be put off again and
  // again while the page was busy, leaving "Drawing…" on screen for good.
  const used = series.series.filter((m) => m.total_credits !== '0');
  if (used.length === 0) return <Empty>No credits were used in this range.</Empty>;
  const days = used[0]!.points.map((p) => p.t.slice(0, 10));
  const data = days.map((day, i) => {
    const row: Record<string, string | number> = { day: formatDay(day, locale, 'short') };
    for (const m of used) row[m.name] = toChartNumber(m.points[i]?.credits ?? '0');
    return row;
  });
  return (
    <div data-testid="daily-chart" data-days={days.length}>
      <BarChart
        h={260}
        data={data}
        dataKey="day"
        type="stacked"
        withLegend
        barProps={{ isAnimationActive: false }}
        valueFormatter={(v) => formatAmount(String(v), locale, { maxFraction: 2 })}
        series={used.map((m, i) => ({ name: m.name, color: COLORS[i % COLORS.length]! }))}
      />
    </div>
  );
}

/** One graph per meter over a chosen range (last 30 days by default), zero-usage meters on request. */
export function MeterGraphs() {
  const { session } = useSignedIn();
  const today = useToday();
  const [range, setRange] = useState<DatesRangeValue<string>>([addDays(today, -29), today]);
  const [showZero, setShowZero] = useState(false);
  const [from, to] = range;
  const complete = Boolean(from && to);
  const query = useQuery({
    queryKey: ['series', session.org_id, 'meters', from, to, showZero],
    queryFn: () => api.usageSeries(session.org_id, { from: from!, to: to!, granularity: 'day', include_zero: showZero ? 'true' : 'false' }),
    enabled: complete,
  });
  return (
    <Section
      title="Usage graphs"
      right={
        <Group gap="md">
          <DatePickerInput
            type="range"
            size="xs"
            aria-label="Date range"
            value={range}
            onChange={(v) => setRange(v as DatesRangeValue<string>)}
            maxDate={today}
            valueFormat="MMM D, YYYY"
            w={240}
          />
          <Switch
            size="sm"
            label="Show zero usage metrics"
            checked={showZero}
            onChange={(e) => setShowZero(e.currentTarget.checked)}
            data-testid="show-zero"
          />
        </Group>
      }
    >
      {!complete ? (
        <Empty>Choose the last day of the range.</Empty>
      ) : (
        <QueryView query={query}>
          {(s) => <MeterGrid series={s} />}
        </QueryView>
      )}
    </Section>
  );
}

function MeterGrid({ series: s }: { series: UsageSeries }) {
  if (s.series.length === 0) return <Empty>No metrics have usage in this range.</Empty>;
  return (
    <SimpleGrid cols={{ base: 1, md: 2 }} data-testid="meter-graphs">
      {s.series.map((m, i) => (
        <div key={m.meter} data-testid="meter-graph" data-meter={m.meter}>
          <Group justify="space-between" mb={4}>
            <Text fw={500} size="sm">
              {m.name}
            </Text>
            <Text size="xs" c="dimmed">
              <Credits value={m.total_credits} /> credits
            </Text>
          </Group>
          <AreaChart
            h={140}
            data={m.points.map((p) => ({ day: formatDay(p.t, locale, 'short'), [m.unit]: toChartNumber(p.quantity) }))}
            dataKey="day"
            withDots={false}
            curveType="linear"
            areaProps={{ isAnimationActive: false }}
            valueFormatter={(v) => formatAmount(String(v), locale, { maxFraction: 2 })}
            series={[{ name: m.unit, color: COLORS[i % COLORS.length]! }]}
          />
        </div>
      ))}
    </SimpleGrid>
  );
}
