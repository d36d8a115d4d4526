import { apiKeyRoutes } from '../modules/apikeys/routes.js';
import { balanceRoutes } from '../modules/balance/routes.js';
import { eventRoutes } from '../modules/events/routes.js';
import { grantRoutes } from '../modules/grants/routes.js';
import { meterRoutes } from '../modules/meters/routes.js';
import { orgRoutes } from '../modules/orgs/routes.js';
import { exportRoutes } from '../modules/exports/routes.js';
import { invoiceRoutes } from '../modules/invoices/routes.js';
import { planRoutes } from '../modules/plan/routes.js';
import { statementRoutes } from '../modules/statements/routes.js';
import { usageRoutes } from '../modules/usage/routes.js';
import type { RouteModule } from './types.js';

/** Every module's routes, registered in this order. */
export const routeModules: RouteModule[] = [orgRoutes, apiKeyRoutes, meterRoutes, grantRoutes, balanceRoutes, eventRoutes];
routeModules.push(statementRoutes, exportRoutes, invoiceRoutes, usageRoutes, planRoutes);
