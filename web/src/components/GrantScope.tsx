import { Badge } from '@mantine/core';
import { describeAppliesTo, type AppliesTo } from '../../../src/domain/appliesTo.js';

/** "agent_chat" → "Agent chat": keys as a reader says them. */
const spoken = (key: string) => {
  const words = key.replace(/[_-]+/g, ' ').trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
};

/** The usage a grant pays for, such as "Inference only"; nothing for a grant that pays for everything. */
export function GrantScope({ appliesTo }: { appliesTo: AppliesTo | null | undefined }) {
  const text = describeAppliesTo(appliesTo, (_kind, key) => spoken(key));
  if (text === null) return null;
  return (
    <Badge variant="light" color="grape" ml="xs" data-testid="grant-scope" title="This grant pays only for this usage">
      {text}
    </Badge>
  );
}
