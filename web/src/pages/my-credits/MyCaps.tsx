import { Group, Stack, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { Section } from '../../components/Section.js';
import { QueryView } from '../../components/States.js';
import { useSignedIn } from '../../session.js';
import { CapBar } from '../caps/CapBar.js';
import { capKeys, capsApi } from '../caps/capsApi.js';
import { ModeBadge } from '../caps/CapsTab.js';
import { useScopeNames } from '../caps/scopeNames.js';

/** The spend caps that limit the signed-in person's own usage, with this window's use. */
export function MyCaps() {
  const { session, org } = useSignedIn();
  const caps = useQuery({ queryKey: capKeys.mine(session.org_id), queryFn: () => capsApi.mine(session.org_id) });
  const names = useScopeNames();
  return (
    <QueryView query={caps}>
      {({ data }) =>
        data.length === 0 ? null : (
          <Section title="Spend limits that apply to you" testId="my-caps">
            <Stack>
              {data.map((cap) => (
                <Stack key={cap.id} gap={4}>
                  <Group gap="xs">
                    <Text fw={500}>{names.describe(cap.scope)}</Text>
                    <ModeBadge mode={cap.mode} />
                  </Group>
                  <CapBar cap={cap} timeZone={org.timezone} />
                </Stack>
              ))}
            </Stack>
          </Section>
        )
      }
    </QueryView>
  );
}
