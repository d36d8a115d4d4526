import { Anchor, Box, Card, Group, Stack, Text, UnstyledButton } from '@mantine/core';
import { IconCoins } from '@tabler/icons-react';
import { useQuery } from '@tanstack/react-query';
import { useParams } from 'react-router';
import { api, locale } from '../api.js';
import { Credits } from '../components/Amount.js';
import { QueryView } from '../components/States.js';
import { formatAmount } from '../format.js';
import { ProfileMiniBars } from '../pages/plan-usage/ProfileMiniBars.js';
import { may } from '../roles.js';
import { SessionProvider, useSessionQuery, useSignedIn } from '../session.js';
import { useHost } from './host.js';
import { useReportHeight } from './useReportHeight.js';

/**
 * Widgets for the host's own header and pages, each at /embed/<token>/widgets/<name>,
 * with the same token rules as the dashboard (the member's role decides what shows).
 * A click asks the host to open a page ("tally:open"); /embed.js opens it in the
 * dashboard frame when the host has one, else in a new tab.
 */
export default function Widget() {
  const { widget } = useParams();
  const session = useSessionQuery();
  const measure = useReportHeight(0);
  if (!session.data) return null;
  return (
    <SessionProvider value={session.data}>
      <Box ref={measure} p={4} data-embed-content>
        {widget === 'credit-badge' ? <CreditBadge /> : widget === 'mini-bars' ? <MiniBars /> : widget === 'balance-card' ? <BalanceCard /> : <Unknown name={widget ?? ''} />}
      </Box>
    </SessionProvider>
  );
}

function useBalance() {
  const { session } = useSignedIn();
  return useQuery({ queryKey: ['balance', session.org_id], queryFn: () => api.balance(session.org_id), enabled: may.oversee(session.role) });
}

function useOpenUsage() {
  const { post } = useHost();
  return () => post({ type: 'tally:open', page: '/usage' });
}

/** Only roles that see the organization's figures get them; the others are told so, briefly. */
function NotForRole() {
  return (
    <Text size="xs" c="dimmed" data-testid="widget-not-for-role">
      Your role does not show the organization&apos;s credits.
    </Text>
  );
}

/** Reference 004's credit badge: credits remaining; a click opens Usage. */
function CreditBadge() {
  const { session } = useSignedIn();
  const balance = useBalance();
  const openUsage = useOpenUsage();
  if (!may.oversee(session.role)) return <NotForRole />;
  return (
    <QueryView query={balance} loading="Credits…" compact>
      {(b) => {
        const shown = formatAmount(b.available, locale, { maxFraction: 2 });
        return (
          <UnstyledButton
            onClick={openUsage}
            aria-label={`${shown} credits remaining. Open usage`}
            data-testid="credit-badge"
            style={{ border: '1px solid var(--mantine-color-default-border)', borderRadius: 999, padding: '4px 12px' }}
          >
            <Group gap={6} wrap="nowrap">
              <IconCoins size={16} color="var(--mantine-primary-color-filled)" aria-hidden />
              <Text size="sm" fw={600} data-testid="badge-figure" data-amount={b.available}>
                {shown}
              </Text>
              <Text size="sm" c="dimmed">
                credits
              </Text>
            </Group>
          </UnstyledButton>
        );
      }}
    </QueryView>
  );
}

/** The three mini bars of the profile menu (credits, storage, deployments), with Usage beside them. */
function MiniBars() {
  const { session } = useSignedIn();
  const openUsage = useOpenUsage();
  if (!may.oversee(session.role)) return <NotForRole />;
  return (
    <Stack gap={4} maw={320}>
      <ProfileMiniBars />
      <Anchor component="button" size="xs" px="sm" onClick={openUsage} ta="left">
        Open usage
      </Anchor>
    </Stack>
  );
}

/** Credits remaining, with what was granted and spent. */
function BalanceCard() {
  const { session } = useSignedIn();
  const balance = useBalance();
  const openUsage = useOpenUsage();
  if (!may.oversee(session.role)) return <NotForRole />;
  return (
    <QueryView query={balance} compact>
      {(b) => (
        <Card withBorder maw={360} data-testid="balance-card">
          <Text size="sm" c="dimmed">
            Credits remaining
          </Text>
          <Text size="xl" fw={700} data-testid="balance-card-available">
            <Credits value={b.available} />
          </Text>
          <Group gap="lg" mt="xs">
            <Text size="xs" c="dimmed">
              Granted <Credits value={b.total_granted} />
            </Text>
            <Text size="xs" c="dimmed">
              Spent <Credits value={b.spent} />
            </Text>
          </Group>
          <Anchor component="button" size="sm" mt="sm" onClick={openUsage} ta="left">
            Open usage
          </Anchor>
        </Card>
      )}
    </QueryView>
  );
}

function Unknown({ name }: { name: string }) {
  return (
    <Text size="sm" c="red">
      There is no widget called “{name}”. Use credit-badge, mini-bars or balance-card.
    </Text>
  );
}
