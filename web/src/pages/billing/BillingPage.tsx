import { Stack, Tabs, Title } from '@mantine/core';
import { useNavigate, useParams } from 'react-router';
import { BillingNotice } from '../../components/BillingNotice.js';
import { may } from '../../roles.js';
import { useSignedIn } from '../../session.js';
import { AlertsTab } from './AlertsTab.js';
import { AutoRechargeTab } from './AutoRechargeTab.js';
import { BuyCreditsTab } from './BuyCreditsTab.js';
import { EmbeddingTab } from './EmbeddingTab.js';
import { WebhooksTab } from './WebhooksTab.js';

const SECTIONS = [
  { value: 'alerts', label: 'Low-credit alerts' },
  { value: 'webhooks', label: 'Webhooks' },
  { value: 'auto-recharge', label: 'Auto-recharge' },
  { value: 'buy-credits', label: 'Buy credits' },
  { value: 'embedding', label: 'Embedding' },
] as const;

/** Page 8: alerts and billing settings, one tab per section; each section has its own address (/billing/buy-credits…). */
export default function BillingPage() {
  const { session } = useSignedIn();
  const { section } = useParams();
  const navigate = useNavigate();
  const tab = SECTIONS.find((s) => s.value === section)?.value ?? 'alerts';
  return (
    <Stack>
      <Title order={2}>Alerts &amp; billing</Title>
      {!may.billing(session.role) ? (
        <BillingNotice what="Alerts, purchases and auto-recharge" />
      ) : (
        <Tabs value={tab} onChange={(v) => v && navigate(`/billing/${v}`)} keepMounted={false}>
          <Tabs.List>
            {SECTIONS.map((s) => (
              <Tabs.Tab key={s.value} value={s.value}>
                {s.label}
              </Tabs.Tab>
            ))}
          </Tabs.List>
          <Tabs.Panel value="alerts" pt="md">
            <AlertsTab />
          </Tabs.Panel>
          <Tabs.Panel value="webhooks" pt="md">
            <WebhooksTab />
          </Tabs.Panel>
          <Tabs.Panel value="auto-recharge" pt="md">
            <AutoRechargeTab />
          </Tabs.Panel>
          <Tabs.Panel value="buy-credits" pt="md">
            <BuyCreditsTab />
          </Tabs.Panel>
          <Tabs.Panel value="embedding" pt="md">
            <EmbeddingTab />
          </Tabs.Panel>
        </Tabs>
      )}
    </Stack>
  );
}
