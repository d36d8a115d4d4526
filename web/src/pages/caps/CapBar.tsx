import { Group, Progress, Stack, Text } from '@mantine/core';
import { locale } from '../../api.js';
import { Credits } from '../../components/Amount.js';
import { formatCredits, formatDateTime } from '../../format.js';
import { WINDOW_LABEL, type Cap } from './capsApi.js';

/** Share of the limit, for the bar only (figures are always shown as exact decimal strings). */
function share(part: string, limit: string): number {
  const l = Number(limit);
  if (!(l > 0)) return Number(part) > 0 ? 100 : 0;
  return Math.min(100, (Number(part) / l) * 100);
}

/** A cap's use this window: used (and held) against the limit, as a bar with its figures. */
export function CapBar({ cap, timeZone }: { cap: Cap; timeZone: string }) {
  const used = share(cap.used, cap.limit);
  const held = Math.min(100 - used, share(cap.held, cap.limit));
  const color = cap.exceeded ? 'red' : used >= 80 ? 'orange' : 'teal';
  return (
    <Stack gap={4} data-testid="cap-bar" data-cap={cap.id}>
      <Progress.Root size="lg" aria-label={`${formatCredits(cap.used, locale)} of ${formatCredits(cap.limit, locale)} credits used`}>
        <Progress.Section value={used} color={color} />
        {held > 0 && <Progress.Section value={held} color="gray" />}
      </Progress.Root>
      <Group justify="space-between" gap="xs">
        <Text size="sm" data-testid="cap-used">
          <Credits value={cap.used} /> of <Credits value={cap.limit} /> used{cap.held !== '0' && <> · <Credits value={cap.held} /> held</>}
        </Text>
        <Text size="sm" c={cap.exceeded ? 'red' : 'dimmed'} data-testid="cap-remaining">
          {cap.exceeded ? 'Limit reached' : <><Credits value={cap.remaining} /> left</>}
        </Text>
      </Group>
      <Text size="xs" c="dimmed">
        {WINDOW_LABEL[cap.window]} · resets {formatDateTime(cap.window_end, timeZone, locale)}
      </Text>
    </Stack>
  );
}
