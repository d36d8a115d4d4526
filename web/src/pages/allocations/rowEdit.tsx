/** Editing a row of amounts in place (a group's or a member's): drafts, their check, save and discard. */
import { ActionIcon, Group, Tooltip } from '@mantine/core';
import { IconDeviceFloppy, IconX } from '@tabler/icons-react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { AMOUNT_INPUT } from '../../decimal.js';
import { useSignedIn } from '../../session.js';
import { allocationKeys } from './common.js';

export type Notice = { kind: 'saved' | 'refused'; text: string } | null;
export type Drafts<F extends string> = Partial<Record<F, string>>;

/** Saves a row's drafts; on success the group figures are fetched again, on refusal the drafts stay. */
export function useSaveRow<F extends string>(save: (body: Drafts<F>) => Promise<unknown>, onNotice: (n: Notice) => void, done: string) {
  const { session } = useSignedIn();
  const client = useQueryClient();
  return useMutation({
    mutationFn: save,
    onSuccess: async () => {
      onNotice({ kind: 'saved', text: done });
      await Promise.all([
        client.invalidateQueries({ queryKey: allocationKeys.groups(session.org_id) }),
        client.invalidateQueries({ queryKey: allocationKeys.members(session.org_id) }),
        client.invalidateQueries({ queryKey: allocationKeys.overview(session.org_id) }),
      ]);
    },
    onError: (error) => onNotice({ kind: 'refused', text: error instanceof Error ? error.message : 'The change was not saved.' }),
  });
}

export function validDrafts(drafts: Record<string, string | undefined>, nullable: string[] = []): boolean {
  return Object.entries(drafts).every(([k, v]) => v === undefined || (nullable.includes(k) && v.trim() === '') || AMOUNT_INPUT.test(v.trim()));
}

export function SaveActions({ name, dirty, valid, pending, onSave, onDiscard }: { name: string; dirty: boolean; valid: boolean; pending: boolean; onSave: () => void; onDiscard: () => void }) {
  if (!dirty) return null;
  return (
    <Group gap={4} wrap="nowrap">
      <Tooltip label="Save">
        <ActionIcon color="indigo" variant="filled" aria-label={`Save ${name}`} disabled={!valid} loading={pending} onClick={onSave} data-testid="save-row">
          <IconDeviceFloppy size={16} />
        </ActionIcon>
      </Tooltip>
      <Tooltip label="Discard">
        <ActionIcon variant="default" aria-label={`Discard changes to ${name}`} onClick={onDiscard}>
          <IconX size={16} />
        </ActionIcon>
      </Tooltip>
    </Group>
  );
}
