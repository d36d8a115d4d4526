import { AppShell, Avatar, Badge, Burger, Group, Menu, NavLink, Stack, Text, Title, UnstyledButton } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { IconBell, IconChartBar, IconCoins, IconFileInvoice, IconGauge, IconHistory, IconKey, IconListDetails, IconLogout, IconReceipt, IconReportMoney, IconUserDollar, IconWallet } from '@tabler/icons-react';
import { useEffect, type ReactNode } from 'react';
import { NavLink as RouterLink, useLocation, useNavigate } from 'react-router';
import type { Role } from '../../../src/client/index.js';
import { may, ROLE_LABEL } from '../roles.js';
import { useSignedIn, useSignOut } from '../session.js';
import { ProfileMiniBars } from '../pages/plan-usage/ProfileMiniBars.js';
import { useHost } from '../embed/host.js';
import { useReportHeight } from '../embed/useReportHeight.js';

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
  { to: '/costs', label: 'Cost tracking', icon: <IconReportMoney size={18} />, visible: may.billing },
  { to: '/billing', label: 'Alerts & billing', icon: <IconBell size={18} />, visible: may.billing },
  { to: '/audit', label: 'Audit log', icon: <IconListDetails size={18} />, visible: may.billing },
  { to: '/api-keys', label: 'API keys', icon: <IconKey size={18} />, visible: (role) => role === 'owner' },
];

export function Layout({ children }: { children: ReactNode }) {
  const { session, org } = useSignedIn();
  const location = useLocation();
  const navigate = useNavigate();
  const signOut = useSignOut();
  const { settings } = useHost();
  // Below the sm breakpoint the navigation is a drawer behind the burger; it closes once a page is chosen.
  const [opened, { toggle, close }] = useDisclosure(false);
  useEffect(close, [location.pathname, close]);
  const measure = useReportHeight(24);
  const navHidden = settings.navHidden;
  const initials = session.name
    .split(/\s+/)
    .map((w) => w[0] ?? '')
    .join('')
    .slice(0, 2)
    .toUpperCase();

  return (
    <AppShell
      header={{ height: 56 }}
      // A host that hid the navigation gets none at all (nothing left to tab into).
      {...(navHidden ? {} : { navbar: { width: 220, breakpoint: 'sm', collapsed: { mobile: !opened } } })}
      padding={{ base: 'sm', sm: 'lg' }}
    >
      <AppShell.Header>
        <Group h="100%" px={{ base: 'xs', sm: 'md' }} justify="space-between" wrap="nowrap">
          <Group gap="sm" wrap="nowrap" miw={0}>
            {!navHidden && (
              <Burger
                opened={opened}
                onClick={toggle}
                hiddenFrom="sm"
                size="sm"
                aria-label={opened ? 'Close navigation' : 'Open navigation'}
                aria-expanded={opened}
                aria-controls="tally-navigation"
                data-testid="burger"
              />
            )}
            <Title order={4}>Tally</Title>
            <Text c="dimmed" size="sm" data-testid="org-name" truncate>
              {org.name}
            </Text>
            {session.kind === 'embed' && (
              <Badge variant="light" color="gray" visibleFrom="xs">
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
                  <Text size="sm" visibleFrom="sm">
                    {session.name}
                  </Text>
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
                  {/* Reference 001: "Usage is in the profile menu", beside its mini bars. */}
                  <Menu.Item leftSection={<IconChartBar size={16} />} onClick={() => navigate('/usage')} data-testid="profile-usage">
                    Usage
                  </Menu.Item>
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
      {!navHidden && (
        <AppShell.Navbar p="xs" id="tally-navigation">
          <nav aria-label="Dashboard pages">
            {NAV.filter((item) => item.visible(session.role)).map((item) => (
              <NavLink
                key={item.to}
                component={RouterLink}
                to={item.to}
                label={item.label}
                leftSection={item.icon}
                active={location.pathname.startsWith(item.to)}
                onClick={close}
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
                    onClick={close}
                  />
                ))}
              </NavLink>
            )}
          </nav>
        </AppShell.Navbar>
      )}
      <AppShell.Main>
        <div ref={measure} data-embed-content>
          {children}
        </div>
      </AppShell.Main>
    </AppShell>
  );
}
