import { Alert, Button, Group, Modal, Select, Stack, Text, TextInput } from '@mantine/core';
import { IconCheck } from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type ReactNode } from 'react';
import type { Cadence, OrgSettings } from '../../../../src/client/index.js';
import { api, locale } from '../../api.js';
import { formatAmount } from '../../format.js';
import { Credits } from '../../components/Amount.js';
import { Section } from '../../components/Section.js';
import { QueryView } from '../../components/States.js';
import { amountError } from '../../decimal.js';
import { useSignedIn } from '../../session.js';
import { allocationKeys, CADENCES, cadenceLabel } from './common.js';

type Patch = Parameters<typeof api.updateSettings>[1];
type Saved = { section: string; text: string } | null;

/** The confirmation of a save, shown in the section that was saved (where the person is looking). */
function SavedNote({ saved, section, onClose }: { saved: Saved; section: string; onClose: () => void }) {
  if (saved?.section !== section) return null;
  return (
    <Alert color="green" icon={<IconCheck size={18} />} withCloseButton onClose={onClose} data-testid="settings-saved" role="status" mt="sm">
      {saved.text}
    </Alert>
  );
}

export function SettingsTab() {
  const { session } = useSignedIn();
  const settings = useQuery({ queryKey: allocationKeys.settings(session.org_id), queryFn: () => api.settings(session.org_id) });
  const cycle = useQuery({ queryKey: allocationKeys.cycle(session.org_id), queryFn: () => api.cycle(session.org_id) });
  const [saved, setSaved] = useState<Saved>(null);
  const done = (section: string) => (text: string) => setSaved({ section, text });
  const note = (section: string) => <SavedNote saved={saved} section={section} onClose={() => setSaved(null)} />;
  return (
    <QueryView query={settings}>
      {(s) => (
        <Stack>
          <CreditLimit key={`limit-${s.updated_at}`} settings={s} used={cycle.data?.used} onSaved={done('limit')} note={note('limit')} />
          <CycleCadence key={`cadence-${s.updated_at}`} settings={s} onSaved={done('cadence')} note={note('cadence')} />
          <ResetCycle onSaved={done('reset')} note={note('reset')} />
          <SingleAmount
            key={`factor-${s.updated_at}`}
            title="Credit factor"
            field="credit_factor"
            label="Internal credit units per $1 of cost"
            description="How estimated USD costs become credits for budget tracking. 0 disables credit tracking."
            value={s.credit_factor}
            onSaved={done('factor')}
            note={note('factor')}
          />
          <SingleAmount
            key={`signup-${s.updated_at}`}
            title="Initial signup credits"
            field="credits_per_new_user"
            label="Credits per new user"
            description="Added to a new member's extra credits when they join. 0 disables."
            value={s.credits_per_new_user}
            onSaved={done('signup')}
            note={note('signup')}
          />
        </Stack>
      )}
    </QueryView>
  );
}

/** Settings writes and resets change every figure of the page: all of them are fetched again. */
function useSettingsWrite<A>(write: (arg: A) => Promise<unknown>, onSaved: (text: string) => void, text: (arg: A) => string) {
  const { session } = useSignedIn();
  const client = useQueryClient();
  return useMutation({
    mutationFn: write,
    onSuccess: async (_r, arg) => {
      onSaved(text(arg));
      await Promise.all(Object.values(allocationKeys).map((k) => client.invalidateQueries({ queryKey: k(session.org_id) })));
    },
  });
}

function CreditLimit({ settings, used, onSaved, note }: { settings: OrgSettings; used: string | undefined; onSaved: (t: string) => void; note: ReactNode }) {
  const { session } = useSignedIn();
  const [value, setValue] = useState(settings.credits_per_cycle ?? '');
  const [confirming, setConfirming] = useState(false);
  const write = useSettingsWrite(
    (v: string | null) => api.updateSettings(session.org_id, { credits_per_cycle: v }),
    onSaved,
    (v) => (v === null ? 'The account credit limit was removed.' : `The account credit limit is now ${formatAmount(v, locale)} credits per cycle.`),
  );
  const trimmed = value.trim();
  const error = trimmed === '' ? null : amountError(trimmed);
  return (
    <Section title="Account credit limit" testId="section-credit-limit">
      <Stack gap="xs">
        <Group align="flex-end">
          <TextInput
            label="Credits per cycle"
            description="Leave empty for no limit."
            value={value}
            onChange={(e) => setValue(e.currentTarget.value)}
            error={error}
            w={260}
            data-testid="credits-per-cycle"
          />
          <Button onClick={() => setConfirming(true)} disabled={!!error}>
            Save
          </Button>
        </Group>
        {used !== undefined && (
          <Text size="sm" c="dimmed" data-testid="cycle-used-setting">
            Current usage this cycle: <Credits value={used} />
          </Text>
        )}
        {write.isError && (
          <Text c="red" size="sm" role="alert">
            {write.error.message}
          </Text>
        )}
      </Stack>
      <Modal opened={confirming} onClose={() => setConfirming(false)} title="Apply the new account credit limit?" centered>
        <Text size="sm">
          This change takes effect immediately for the current cycle. Credits already used remain unchanged, but available credits are recalculated right away.
        </Text>
        <Group justify="flex-end" mt="md">
          <Button variant="default" onClick={() => setConfirming(false)}>
            Cancel
          </Button>
          <Button
            loading={write.isPending}
            onClick={() => write.mutate(trimmed === '' ? null : trimmed, { onSettled: () => setConfirming(false) })}
          >
            Apply change
          </Button>
        </Group>
      </Modal>
      {note}
    </Section>
  );
}

function CycleCadence({ settings, onSaved, note }: { settings: OrgSettings; onSaved: (t: string) => void; note: ReactNode }) {
  const { session } = useSignedIn();
  const [pending, setPending] = useState<Cadence | null>(null);
  const write = useSettingsWrite(
    (c: Cadence) => api.updateSettings(session.org_id, { cycle_cadence: c }),
    onSaved,
    (c) => `The cycle cadence is now ${cadenceLabel(c)}; a fresh cycle has started.`,
  );
  return (
    <Section title="Cycle cadence" testId="section-cadence">
      <Stack gap="xs">
        <Select
          label="Cycle cadence"
          data={CADENCES}
          value={settings.cycle_cadence}
          allowDeselect={false}
          onChange={(v) => v && v !== settings.cycle_cadence && setPending(v as Cadence)}
          w={260}
          data-testid="cadence-select"
        />
        <Text size="sm" data-testid="current-cadence">
          Current cadence: {cadenceLabel(settings.cycle_cadence)}
        </Text>
        <Text size="xs" c="dimmed">
          Changing the cadence starts a fresh cycle immediately: usage is counted from zero and the end is recalculated from now.
        </Text>
        {write.isError && (
          <Text c="red" size="sm" role="alert">
            {write.error.message}
          </Text>
        )}
      </Stack>
      <Modal opened={pending !== null} onClose={() => setPending(null)} title="Change the cycle cadence?" centered>
        <Text size="sm">
          Changing the cadence to {pending ? cadenceLabel(pending) : ''} closes the current cycle now and starts a fresh one. Credits used in the current cycle count from zero again.
        </Text>
        <Group justify="flex-end" mt="md">
          <Button variant="default" onClick={() => setPending(null)}>
            Cancel
          </Button>
          <Button loading={write.isPending} onClick={() => pending && write.mutate(pending, { onSettled: () => setPending(null) })}>
            Change cadence
          </Button>
        </Group>
      </Modal>
      {note}
    </Section>
  );
}

function ResetCycle({ onSaved, note }: { onSaved: (t: string) => void; note: ReactNode }) {
  const { session } = useSignedIn();
  const [confirming, setConfirming] = useState(false);
  const write = useSettingsWrite(() => api.resetCycle(session.org_id), onSaved, () => 'The credit cycle was reset; a fresh cycle has started.');
  return (
    <Section title="Reset cycle immediately" testId="section-reset">
      <Stack gap="xs">
        <Text size="sm" c="dimmed">
          Starts a fresh cycle now without waiting for the scheduled end.
        </Text>
        <Group>
          <Button color="red" variant="light" onClick={() => setConfirming(true)}>
            Reset Cycle Now
          </Button>
        </Group>
        {write.isError && (
          <Text c="red" size="sm" role="alert">
            {write.error.message}
          </Text>
        )}
      </Stack>
      <Modal opened={confirming} onClose={() => setConfirming(false)} title="Reset the credit cycle now?" centered>
        <Text size="sm">
          This starts a fresh cycle immediately. Credits used in the current cycle reset to zero, and the next cycle end date is recalculated from this moment. This cannot be
          undone.
        </Text>
        <Group justify="flex-end" mt="md">
          <Button variant="default" onClick={() => setConfirming(false)}>
            Cancel
          </Button>
          <Button color="red" loading={write.isPending} onClick={() => write.mutate(undefined, { onSettled: () => setConfirming(false) })}>
            Reset cycle
          </Button>
        </Group>
      </Modal>
      {note}
    </Section>
  );
}

function SingleAmount({
  title,
  field,
  label,
  description,
  value,
  onSaved,
  note,
}: {
  title: string;
  field: 'credit_factor' | 'credits_per_new_user';
  label: string;
  description: string;
  value: string;
  onSaved: (t: string) => void;
  note: ReactNode;
}) {
  const { session } = useSignedIn();
  const [draft, setDraft] = useState(value);
  const write = useSettingsWrite((v: string) => api.updateSettings(session.org_id, { [field]: v } as Patch), onSaved, (v) => `${label} is now ${v}.`);
  const error = amountError(draft);
  return (
    <Section title={title} testId={`section-${field}`}>
      <Group align="flex-end">
        <TextInput label={label} description={description} value={draft} onChange={(e) => setDraft(e.currentTarget.value)} error={error} w={360} />
        <Button onClick={() => write.mutate(draft.trim())} disabled={!!error} loading={write.isPending} aria-label={`Save ${label}`}>
          Save
        </Button>
      </Group>
      {write.isError && (
        <Text c="red" size="sm" role="alert" mt="xs">
          {write.error.message}
        </Text>
      )}
      {note}
    </Section>
  );
}
