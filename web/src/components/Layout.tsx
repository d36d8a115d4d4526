import { AppShell, Avatar, Badge, Group, Menu, NavLink, Stack, Text, Title, UnstyledButton } from '@mantine/core';
import { IconBell, IconChartBar, IconCoins, IconFileInvoice, IconGauge, IconHistory, IconKey, IconListDetails, IconLogout, IconReceipt, IconUserDollar, IconWallet } from '@tabler/icons-react';
import type { ReactNode } from 'react';
import { NavLink as RouterLink, useLocation, useNavigate } from 'react-router';
import type { Role } from '../../../src/client/index.js';
import { may, ROLE_LABEL } from '../roles.js';
import { useSignedIn, useSignOut } from '../session.js';
import { ProfileMiniBars } from '../pages/plan-usage/ProfileMiniBars.js';

interface NavItem {
  to: string;
  label: string;
  icon: ReactNode;
  visible: (role: Role) => boolean;
}

const NAV: NavItem[] = [
  { to: '/credit-history', label: 'Credit history', icon: <IconHistory size={18} />, visible: may.billing },
  { to: '/usage', label: 'Usage', icon: <IconChartBar size={18} />, visible: () => true },
  { to: '/plan-usage', label: 'Plan usage', icon: <IconGauge size={18} />, visible: may.oversee },
  { to: '/statements', label: 'Statements', icon: <IconReceipt size={18} />, visible: may.oversee },
  { to: '/invoices', label: 'Invoices', icon: <IconFileInvoice size={18} />, visible: may.billing },
  { to: '/my-credits', label: 'My credits', icon: <IconUserDollar size={18} />, visible: () => true },
];

/** The Finance section (pages 6, 8, 9): expanded by default. */
const FINANCE: NavItem[] = [
  { to: '/allocations', label: 'Credits & Allocations', icon: <IconCoins size={18} />, visible: may.oversee },
  { to: '/billing', label: 'Alerts & billing', icon: <IconBell size={18} />, visible: may.billing },
  { to: '/audit', label: 'Audit log', icon: <IconListDetails size={18} />, visible: may.billing },
  { to: '/api-keys', label: 'API keys', icon: <IconKey size={18} />, visible: (role) => role === 'owner' },
];

export function Layout({ children }: { children: ReactNode }) {
  const { session, org } = useSignedIn();
  const location = useLocation();
  const navigate = useNavigate();
  const signOut = useSignOut();
  const initials = session.name
    .split(/\s+/)
    .map((w) => w[0] ?? '')
    .join('')
    .slice(0, 2)
    .toUpperCase();

  return (
    <AppShell header={{ height: 56 }} navbar={{ width: 220, breakpoint: 'sm' }} padding="lg">
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between">
          <Group gap="sm">
            <Title order={4}>Tally</Title>
            <Text c="dimmed" size="sm" data-testid="org-name">
              {org.name}
            </Text>
            {session.kind === 'embed' && (
              <Badge variant="light" color="gray">
                Embedded
              </Badge>
            )}
          </Group>
          <Menu position="bottom-end" width={280} withinPortal>
            <Menu.Target>
              <UnstyledButton aria-label="Profile menu" data-testid="profile-menu">
                <Group gap="xs">
                  <Avatar radius="xl" size="sm" color="indigo">
                    {initials}
                  </Avatar>
                  <Text size="sm">{session.name}</Text>
                </Group>
              </UnstyledButton>
            </Menu.Target>
            <Menu.Dropdown>
              <Menu.Label>
                <Stack gap={0}>
                  <Text size="sm" fw={500} c="var(--mantine-color-text)">
                    {session.name}
                  </Text>
                  <Text size="xs">{session.email}</Text>
                  <Text size="xs" data-testid="profile-role">
                    {ROLE_LABEL[session.role]}
                  </Text>
                </Stack>
              </Menu.Label>
              {may.oversee(session.role) && (
                <>
                  <Menu.Divider />
                  <ProfileMiniBars />
                </>
              )}
              {session.kind === 'password' && (
                <>
                  <Menu.Divider />
                  <Menu.Item
                    leftSection={<IconLogout size={16} />}
                    onClick={() => void signOut().then(() => navigate('/login', { replace: true }))}
                  >
                    Sign out
                  </Menu.Item>
                </>
              )}
            </Menu.Dropdown>
          </Menu>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs">
        <nav aria-label="Dashboard pages">
          {NAV.filter((item) => item.visible(session.role)).map((item) => (
            <NavLink
              key={item.to}
              component={RouterLink}
              to={item.to}
              label={item.label}
              leftSection={item.icon}
              active={location.pathname.startsWith(item.to)}
            />
          ))}
          {FINANCE.some((item) => item.visible(session.role)) && (
            <NavLink label="FINANCE" leftSection={<IconWallet size={18} />} defaultOpened childrenOffset={12} data-testid="nav-finance">
              {FINANCE.filter((item) => item.visible(session.role)).map((item) => (
                <NavLink
                  key={item.to}
                  component={RouterLink}
                  to={item.to}
                  label={item.label}
                  leftSection={item.icon}
                  active={location.pathname.startsWith(item.to)}
                />
              ))}
            </NavLink>
          )}
        </nav>
      </AppShell.Navbar>
      <AppShell.Main>{children}</AppShell.Main>
    </AppShell>
  );
}
