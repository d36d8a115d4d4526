import { Alert, Button, Group, NumberInput, Stack, Switch, Text, TextInput } from '@mantine/core';
import { IconCheck } from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { AutoRecharge } from '../../../../src/client/index.js';
import { api, locale } from '../../api.js';
import { Section } from '../../components/Section.js';
import { QueryView } from '../../components/States.js';
import { amountError } from '../../decimal.js';
import { formatDateTime } from '../../format.js';
import { countOf } from '../../readable.js';
import { useSignedIn } from '../../session.js';

export function AutoRechargeTab() {
  const { session } = useSignedIn();
  const settings = useQuery({ queryKey: ['auto-recharge', session.org_id], queryFn: () => api.autoRecharge(session.org_id) });
  return <QueryView query={settings}>{(s) => <AutoRechargeForm settings={s} />}</QueryView>;
}

function AutoRechargeForm({ settings }: { settings: AutoRecharge }) {
  const { session, org } = useSignedIn();
  const client = useQueryClient();
  const [enabled, setEnabled] = useState(settings.enabled);
  const [threshold, setThreshold] = useState(settings.threshold);
  const [amount, setAmount] = useState(settings.amount === '0' ? '' : settings.amount);
  const [maxPerMonth, setMaxPerMonth] = useState<number>(settings.max_per_month || 3);
  const [cooldown, setCooldown] = useState<number>(settings.cooldown_minutes);
  const save = useMutation({
    mutationFn: () =>
      api.putAutoRecharge(session.org_id, { enabled, threshold: threshold.trim(), amount: amount.trim(), max_per_month: maxPerMonth, cooldown_minutes: cooldown }),
    onSuccess: (data) => client.setQueryData(['auto-recharge', session.org_id], data),
  });
  const thresholdError = amountError(threshold);
  const amountProblem = amount === '' ? null : amountError(amount, { allowZero: false });
  const invalid = !!thresholdError || amount === '' || !!amountProblem;
  const current = client.getQueryData<AutoRecharge>(['auto-recharge', session.org_id]) ?? settings;
  return (
    <Section title="Auto-recharge" testId="auto-recharge-form">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (!invalid) save.mutate();
        }}
      >
        <Stack gap="xs" maw={480}>
          <Text size="sm" c="dimmed">
            When available credits drop below the threshold, Tally buys the set amount: at most one purchase in flight, with a cooldown and a monthly cap.
          </Text>
          <Switch label="Auto-recharge enabled" checked={enabled} onChange={(e) => setEnabled(e.currentTarget.checked)} />
          <TextInput label="Threshold (credits)" value={threshold} onChange={(e) => setThreshold(e.currentTarget.value)} error={thresholdError} />
          <TextInput label="Amount to buy (credits)" value={amount} onChange={(e) => setAmount(e.currentTarget.value)} error={amountProblem} />
          <NumberInput label="At most purchases per month" min={1} max={1000} allowDecimal={false} value={maxPerMonth} onChange={(v) => setMaxPerMonth(Number(v) || 1)} />
          <NumberInput label="Cooldown (minutes)" min={0} max={44640} allowDecimal={false} value={cooldown} onChange={(v) => setCooldown(Number(v) || 0)} />
          <Text size="xs" c="dimmed" data-testid="auto-recharge-status">
            {countOf(current.purchases_this_month, 'purchase', 'purchases', locale)} this month
            {current.in_flight_purchase_id ? ' · one purchase awaiting payment' : ''}
            {current.last_started_at ? ` · last started ${formatDateTime(current.last_started_at, org.timezone, locale)}` : ''}
          </Text>
          {save.isError && (
            <Text c="red" size="sm" role="alert">
              {save.error.message}
            </Text>
          )}
          {save.isSuccess && (
            <Alert color="green" icon={<IconCheck size={18} />} data-testid="auto-recharge-saved" role="status">
              Auto-recharge settings saved.
            </Alert>
          )}
          <Group>
            <Button type="submit" disabled={invalid} loading={save.isPending}>
              Save auto-recharge
            </Button>
          </Group>
        </Stack>
      </form>
    </Section>
  );
}
