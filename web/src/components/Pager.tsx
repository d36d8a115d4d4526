import { Button, Group, Text } from '@mantine/core';
import { useState } from 'react';

/** Cursor pagination: the server gives next_cursor; the pager remembers the way back. */
export function usePager() {
  const [stack, setStack] = useState<(string | undefined)[]>([undefined]);
  return {
    cursor: stack[stack.length - 1],
    page: stack.length,
    next: (cursor: string) => setStack((s) => [...s, cursor]),
    previous: () => setStack((s) => (s.length > 1 ? s.slice(0, -1) : s)),
    reset: () => setStack([undefined]),
  };
}

export function PagerControls({ pager, nextCursor, label }: { pager: ReturnType<typeof usePager>; nextCursor: string | null | undefined; label: string }) {
  return (
    <Group justify="flex-end" gap="xs" mt="sm" aria-label={`${label} pages`}>
      <Text size="xs" c="dimmed">
        Page {pager.page}
      </Text>
      <Button size="xs" variant="default" disabled={pager.page <= 1} onClick={pager.previous}>
        Previous
      </Button>
      <Button size="xs" variant="default" disabled={!nextCursor} onClick={() => nextCursor && pager.next(nextCursor)}>
        Next
      </Button>
    </Group>
  );
}
