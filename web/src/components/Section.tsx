import { Card, Group, Title } from '@mantine/core';
import type { ReactNode } from 'react';

export function Section({ title, children, right, testId }: { title: string; children: ReactNode; right?: ReactNode; testId?: string }) {
  return (
    <Card withBorder data-testid={testId}>
      <Group justify="space-between" mb="sm">
        <Title order={4}>{title}</Title>
        {right}
      </Group>
      {children}
    </Card>
  );
}
