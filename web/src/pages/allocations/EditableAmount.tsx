import { Badge, Group, TextInput, UnstyledButton } from '@mantine/core';
import { Credits } from '../../components/Amount.js';
import { AMOUNT_INPUT, amountError, sameAmount } from '../../decimal.js';

/** Whether a draft differs from the saved figure ('' means "no individual allocation" where that is allowed). */
export function isDirty(draft: string | undefined, value: string | null): boolean {
  if (draft === undefined) return false;
  const d = draft.trim();
  if (d === '') return value !== null;
  if (value === null || !AMOUNT_INPUT.test(d)) return true;
  return !sameAmount(d, value);
}

/**
 * A figure that becomes an input when clicked (violet border while it is
 * being edited). The draft lives in the row, so it survives a refused save;
 * Enter asks the row to save, Escape discards the draft.
 */
export function EditableAmount({
  label,
  value,
  draft,
  editable,
  nullable,
  nullText,
  onDraft,
  onSave,
  testId,
}: {
  label: string;
  value: string | null;
  draft: string | undefined;
  editable: boolean;
  nullable?: boolean;
  nullText?: string;
  onDraft: (draft: string | undefined) => void;
  onSave: () => void;
  testId: string;
}) {
  const shown = value === null ? <span>{nullText ?? '—'}</span> : <Credits value={value} />;
  if (!editable) return <span data-testid={testId}>{shown}</span>;
  if (draft === undefined) {
    return (
      <UnstyledButton
        data-testid={testId}
        aria-label={`Edit ${label}`}
        onClick={() => onDraft(value ?? '')}
        style={{ borderBottom: '1px dashed var(--mantine-color-gray-5)', fontSize: 'inherit' }}
      >
        {shown}
      </UnstyledButton>
    );
  }
  const error = draft.trim() === '' && nullable ? null : amountError(draft);
  const dirty = isDirty(draft, value);
  return (
    <Group gap={4} wrap="nowrap">
      <TextInput
        data-testid={`${testId}-input`}
        aria-label={label}
        value={draft}
        autoFocus
        size="xs"
        w={120}
        error={error}
        placeholder={nullable ? 'pool' : undefined}
        styles={{ input: { border: '2px solid var(--mantine-color-violet-6)' } }}
        onChange={(e) => onDraft(e.currentTarget.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && !error) onSave();
          if (e.key === 'Escape') onDraft(undefined);
        }}
      />
      {dirty && (
        <Badge color="orange" variant="light" size="sm" data-testid="unsaved">
          Unsaved
        </Badge>
      )}
    </Group>
  );
}
