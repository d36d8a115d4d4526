import { alertRoutes } from '../modules/alerts/routes.js';
import { memberRoutes } from '../modules/allocations/memberRoutes.js';
import { allocationRoutes } from '../modules/allocations/routes.js';
import { authRoutes } from '../modules/auth/routes.js';
import { apiKeyRoutes } from '../modules/apikeys/routes.js';
import { auditRoutes } from '../modules/audit/routes.js';
import { capRoutes } from '../modules/caps/routes.js';
import { balanceRoutes } from '../modules/balance/routes.js';
import { correctionRoutes } from '../modules/corrections/routes.js';
import { eventRoutes } from '../modules/events/routes.js';
import { aliasRoutes } from '../modules/events/aliases.js';
import { cloudEventRoutes } from '../modules/events/cloudevents.js';
import { stripeRoutes } from '../modules/events/stripe.js';
import { verifyRoutes } from '../modules/verify/routes.js';
import { grantRoutes } from '../modules/grants/routes.js';
import { holdRoutes } from '../modules/holds/routes.js';
import { meterRoutes } from '../modules/meters/routes.js';
import { orgRoutes } from '../modules/orgs/routes.js';
import { notificationRoutes } from '../modules/outbox/routes.js';
import { purchaseRoutes } from '../modules/purchases/routes.js';
import { requestRoutes } from '../modules/requests/routes.js';
import { scheduleRoutes } from '../modules/schedules/routes.js';
import { signingRoutes } from '../modules/signing/routes.js';
import { webhookRoutes } from '../modules/webhooks/routes.js';
import { costRoutes } from '../modules/costs/routes.js';
import { forecastRoutes } from '../modules/forecast/routes.js';
import { exportRoutes } from '../modules/exports/routes.js';
import { invoiceRoutes } from '../modules/invoices/routes.js';
import { planRoutes } from '../modules/plan/routes.js';
import { statementRoutes } from '../modules/statements/routes.js';
import { usageRoutes } from '../modules/usage/routes.js';
import type { RouteModule } from './types.js';

/** Every module's routes, registered in this order. */
export const routeModules: RouteModule[] = [
  orgRoutes,
  apiKeyRoutes,
  authRoutes,
  meterRoutes,
  grantRoutes,
  scheduleRoutes,
  balanceRoutes,
  eventRoutes,
  // CloudEvents and Stripe-shaped ingest, customer aliases (issue 17)
  cloudEventRoutes,
  stripeRoutes,
  aliasRoutes,
  verifyRoutes,
  correctionRoutes,
  // cycles, groups, members, admission and holds, credit requests, audit
  allocationRoutes,
  memberRoutes,
  holdRoutes,
  requestRoutes,
  auditRoutes,
  // alerts, webhooks, the notification outbox, purchases and auto-recharge
  alertRoutes,
  webhookRoutes,
  notificationRoutes,
  purchaseRoutes,
  // statements, exports, invoices, usage analytics, plan limits
  statementRoutes,
  exportRoutes,
  invoiceRoutes,
  usageRoutes,
  planRoutes,
  // spend caps
  capRoutes,
  // issue 15: the public statement key
  signingRoutes,
  // forecast and cost tracking (SPEC §3.17)
  forecastRoutes,
  costRoutes,
];
