import { authRoutes } from '../modules/auth/routes.js';
import { apiKeyRoutes } from '../modules/apikeys/routes.js';
import { balanceRoutes } from '../modules/balance/routes.js';
import { eventRoutes } from '../modules/events/routes.js';
import { grantRoutes } from '../modules/grants/routes.js';
import { meterRoutes } from '../modules/meters/routes.js';
import { orgRoutes } from '../modules/orgs/routes.js';
import type { RouteModule } from './types.js';

/** Every module's routes, registered in this order. */
export const routeModules: RouteModule[] = [orgRoutes, apiKeyRoutes, meterRoutes, grantRoutes, balanceRoutes, eventRoutes];
routeModules.push(authRoutes);

// Cycles, groups, members, admission and holds, credit requests, audit (issue 3).
import { allocationRoutes } from '../modules/allocations/routes.js';
import { memberRoutes } from '../modules/allocations/memberRoutes.js';
import { auditRoutes } from '../modules/audit/routes.js';
import { holdRoutes } from '../modules/holds/routes.js';
import { requestRoutes } from '../modules/requests/routes.js';
routeModules.push(allocationRoutes, memberRoutes, holdRoutes, requestRoutes, auditRoutes);
