import { Button, Group, Stack, Tabs, Title } from '@mantine/core';
import { IconRefresh } from '@tabler/icons-react';
import { useIsFetching, useQueryClient } from '@tanstack/react-query';
import { Navigate, useSearchParams } from 'react-router';
import { may } from '../../roles.js';
import { useSignedIn } from '../../session.js';
import { allocationKeys } from './common.js';
import { CapsTab } from '../caps/CapsTab.js';
import { AllocationsTab } from './AllocationsTab.js';
import { OverviewTab } from './OverviewTab.js';
import { RequestsTab } from './RequestsTab.js';
import { SettingsTab } from './SettingsTab.js';
import { ProjectedCycleUse } from '../../components/forecast/ProjectedCycleUse.js';

type TabKey = 'overview' | 'allocations' | 'requests' | 'caps' | 'settings';

export default function AllocationsPage() {
  const { session } = useSignedIn();
  const [params, setParams] = useSearchParams();
  const client = useQueryClient();
  const org = session.org_id;
  const fetching = useIsFetching();
  // Members have their own view: these tabs are for owners, billing admins and managers.
  if (!may.oversee(session.role)) return <Navigate to="/my-credits" replace />;
  const tabs: { value: TabKey; label: string }[] = [
    { value: 'overview', label: 'Overview' },
    { value: 'allocations', label: 'Allocations' },
    { value: 'requests', label: 'Requests' },
    { value: 'caps', label: 'Caps' },
    ...(may.billing(session.role) ? [{ value: 'settings' as const, label: 'Settings' }] : []),
  ];
  const tab = tabs.find((t) => t.value === params.get('tab'))?.value ?? 'overview';
  const refresh = () =>
    Promise.all(Object.values(allocationKeys).map((key) => client.invalidateQueries({ queryKey: key(org) })));

  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>Credits &amp; Allocations</Title>
        <Button variant="default" leftSection={<IconRefresh size={16} />} onClick={() => void refresh()} loading={fetching > 0} data-testid="refresh">
          Refresh
        </Button>
      </Group>
      <Tabs value={tab} onChange={(value) => setParams(value && value !== 'overview' ? { tab: value } : {})} keepMounted={false}>
        <Tabs.List>
          {tabs.map((t) => (
            <Tabs.Tab key={t.value} value={t.value}>
              {t.label}
            </Tabs.Tab>
          ))}
        </Tabs.List>
        <Tabs.Panel value="overview" pt="md">
          <Stack>
            <OverviewTab />
            <ProjectedCycleUse />
          </Stack>
        </Tabs.Panel>
        <Tabs.Panel value="allocations" pt="md">
          <AllocationsTab />
        </Tabs.Panel>
        <Tabs.Panel value="requests" pt="md">
          <RequestsTab />
        </Tabs.Panel>
        <Tabs.Panel value="caps" pt="md">
          <CapsTab />
        </Tabs.Panel>
        {may.billing(session.role) && (
          <Tabs.Panel value="settings" pt="md">
            <SettingsTab />
          </Tabs.Panel>
        )}
      </Tabs>
    </Stack>
  );
}
