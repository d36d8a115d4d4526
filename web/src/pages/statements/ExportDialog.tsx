import { Alert, Button, Group, Modal, Radio, Stack, Text } from '@mantine/core';
import { useState } from 'react';
import { api } from '../../api.js';
import { useSignedIn } from '../../session.js';

/** "Export Ledger Data": the period's daily summary or its per-job lines, saved as CSV. */
export function ExportDialog({ opened, onClose, period, label }: { opened: boolean; onClose: () => void; period: string; label: string }) {
  const { session } = useSignedIn();
  const [lines, setLines] = useState<'daily' | 'jobs'>('daily');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function save() {
    setBusy(true);
    setError(null);
    try {
      const csv = await api.statementCsv(session.org_id, period, lines);
      const url = URL.createObjectURL(new Blob([csv], { type: 'text/csv;charset=utf-8' }));
      const a = document.createElement('a');
      a.href = url;
      a.download = `tally-ledger-${period}-${lines}.csv`;
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      onClose();
    } catch (e) {
      setError(e instanceof Error ? e.message : 'The export failed.');
    } finally {
      setBusy(false);
    }
  }

  return (
    <Modal opened={opened} onClose={onClose} title="Export Ledger Data">
      <Stack>
        <Text size="sm">Save the ledger of {label} as a CSV file.</Text>
        <Radio.Group value={lines} onChange={(v) => setLines(v as 'daily' | 'jobs')} label="Lines">
          <Stack gap="xs" mt="xs">
            <Radio value="daily" label="Daily summary (date, top-ups, credits used, balance)" />
            <Radio value="jobs" label="Job lines (date, job, project, user, resource class, credits used)" />
          </Stack>
        </Radio.Group>
        {error && <Alert color="red">{error}</Alert>}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button onClick={() => void save()} loading={busy}>
            Export
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
