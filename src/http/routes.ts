import { apiKeyRoutes } from '../modules/apikeys/routes.js';
import { balanceRoutes } from '../modules/balance/routes.js';
import { eventRoutes } from '../modules/events/routes.js';
import { grantRoutes } from '../modules/grants/routes.js';
import { meterRoutes } from '../modules/meters/routes.js';
import { orgRoutes } from '../modules/orgs/routes.js';
import type { RouteModule } from './types.js';
import { alertRoutes } from '../modules/alerts/routes.js';
import { notificationRoutes } from '../modules/outbox/routes.js';
import { purchaseRoutes } from '../modules/purchases/routes.js';
import { webhookRoutes } from '../modules/webhooks/routes.js';

/** Every module's routes, registered in this order. */
export const routeModules: RouteModule[] = [orgRoutes, apiKeyRoutes, meterRoutes, grantRoutes, balanceRoutes, eventRoutes];
routeModules.push(alertRoutes, webhookRoutes, notificationRoutes, purchaseRoutes);
